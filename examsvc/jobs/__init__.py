"""Long work as background jobs: a class's PDF, exports. The database holds every job, its
progress and its output, so jobs survive restarts and any worker can take one (docs/jobs.md)."""
