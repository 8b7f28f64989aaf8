"""The one exception type meant for users.

Every problem a user can fix (a malformed file, an unknown label, a broken instrument) is raised
as :class:`CoproError`, whose message names the file, and where they apply the row and column.
The command line prints it as one line and exits with code 2; anything else is a bug.
"""

from __future__ import annotations


class CoproError(Exception):
    """A user-facing error that names where the problem is.

    Parameters
    ----------
    message : str
        What is wrong, in plain words.
    file, row, column, item, field : optional
        Where it is. ``row`` is 1-based as a spreadsheet shows it (header = row 1).
    """

    def __init__(self, message: str, *, file=None, row=None, column=None, item=None, field=None):
        self.message = message
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        self.item = item
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.item is not None:
            where.append(f"item {self.item!r}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        text = " ".join(self.message.split())  # always one line
        return f"{', '.join(where)}: {text}" if where else text
