"""Sent after a bulk taxonomy import commits (``importing.taxonomy_write``).

A bulk write sends no ``post_save``; apps that keep anything derived from the taxonomy (the
engine's shared frames, cached portal pages) listen to this as well. kwargs: none.
"""

from django.dispatch import Signal

taxonomy_written = Signal()
