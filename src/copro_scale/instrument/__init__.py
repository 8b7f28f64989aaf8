"""The instrument as data: items, forms, scale and prototypes, loaded from versioned YAML.

An :class:`Instrument` is an immutable value object. Every later stage (readers, scoring,
exports, classification, reports) asks it questions - which items a form has, which cell an item
sits in, which codes are valid - and none re-derives item metadata from ids.

The YAML schema is checked on load by :func:`check_instrument`, which returns every problem it
finds; each names the file, the item and the field. The packaged default is
``instruments/pcp-psw-v1.yaml`` (shipped inside the wheel as ``copro_scale.instruments``).
"""

from .loading import check_instrument, default_instrument_path, load_instrument
from .model import (
                    CELLS,
                    CONSTRUCTS,
                    DEFAULT_INSTRUMENT,
                    FACES,
                    FORMS,
                    ID_PATTERN,
                    MAX_ITEM_WORDS,
                    MIN_ITEMS_PER_CELL,
                    MIN_RESPONSES_FLOOR,
                    THRESHOLD_PLACEHOLDER,
                    TYPES,
                    Form,
                    Instrument,
                    Item,
                    ScalePoint,
                    cell_name,
)

__all__ = ["CELLS", "CONSTRUCTS", "DEFAULT_INSTRUMENT", "FACES", "FORMS", "ID_PATTERN",
           "MAX_ITEM_WORDS", "MIN_ITEMS_PER_CELL", "MIN_RESPONSES_FLOOR", "THRESHOLD_PLACEHOLDER",
           "TYPES", "Form", "Instrument", "Item", "ScalePoint", "cell_name", "check_instrument",
           "default_instrument_path", "load_instrument"]
