"""Answer sheets read by machine: the reader, the pages of an upload, and what becomes of each page.
Imports exams/ and below."""
