"""The SCIM 2.0 server the HR system provisions people through (/scim/v2/).

``schemas`` (what is published, and the pydantic models built from it), ``users`` (employees as
SCIM Users and back), ``filters`` (SCIM filters as queries), ``views`` (the endpoints). The
writes themselves are ``profiles.people`` services, shared with the file importer.
"""
