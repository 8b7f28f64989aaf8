"""``copro serve``: collect the responses yourself, anonymously, on SQLite or PostgreSQL.

Needs the ``serve`` extra (``pip install 'copro-scale[serve]'``). :mod:`.store` holds the tables
and the one-transaction submit, :mod:`.waves` opens, reminds and closes a wave,
:mod:`.invitations` issues the links, :mod:`.mail` sends them, and the Flask app serves the form.
"""

#: Where the survey lives when no ``--db`` is given: ./copro.db.
DEFAULT_URL = "sqlite:///copro.db"
