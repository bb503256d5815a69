"""The core's pages: home and portal home (home), the public pages (public), invitations, the
coach's profile (profile), the admin's status page (status)."""
