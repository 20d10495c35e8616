"""Long work as background jobs: a class's paper, certificates, exports. The `job` table holds every
job, its progress and its sealed file, so jobs survive restarts and any worker may take one. Knows
no domain (they register their kinds); imports orgs, audit, web and core only
(docs/operator-guide.md, "Background jobs")."""
