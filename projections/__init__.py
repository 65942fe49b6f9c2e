"""Read side: projectors turn the notification log into bitemporal read-model tables.

Each projector writes its rows and its tracking position in one transaction, so a crash
resumes exactly where it stopped. Queries read only these tables.
"""
