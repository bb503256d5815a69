"""The groups app's pages: a coach's groups (groups.py), a meeting and its forms (meetings.py),
a participant's groups in the portal (portal.py)."""
