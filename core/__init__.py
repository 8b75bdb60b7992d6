"""Plumbing every app may use and that uses no app: data frames and SQL, spreadsheet formats."""
