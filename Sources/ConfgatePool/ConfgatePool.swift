// The generic connection pool lives here (issue #5).
