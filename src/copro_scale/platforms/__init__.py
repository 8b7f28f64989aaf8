"""Each survey platform's codes and conventions, in one place.

One small module per platform holds what both sides must agree on: the names an export gives
its questions (:mod:`copro_scale.administer`) and the columns, status codes and answer codes
its response export carries (:mod:`copro_scale.responses`). Neither side defines them again.
:mod:`.sections` holds the page layout every export shares (one section per construct), which
fixes the Qualtrics and LimeSurvey column names.
"""
