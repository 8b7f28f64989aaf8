"""Team reports: from responses and their scores to HTML pages, summary.csv and summary.json.

The flow is one way, in memory:

- :mod:`.data`: aggregate (team and organisation scores, gaps, change), classify, and apply the
  :class:`~copro_scale.privacy.DisclosurePlan`, once per run;
- :mod:`.content`: the words (``report_content.yaml`` beside the templates, and the instrument);
- :mod:`.charts`: chart geometry and colours;
- :mod:`.team_page`, :mod:`.overview_page`: page contexts of plain, already formatted values;
- :mod:`.writers`: the Jinja2 templates (autoescape on, no arithmetic, inline CSS and SVG, no
  JavaScript), summary.csv and summary.json.

The library entry is :func:`render_reports`; it never reads or scores an input file.
"""

from .charts import contrast_ratio, heat_colour, level_word
from .data import ReportData, build_report_data
from .writers import render_reports, summary_frame, summary_records, team_slugs

__all__ = [
           "ReportData",
           "build_report_data",
           "contrast_ratio",
           "heat_colour",
           "level_word",
           "render_reports",
           "summary_frame",
           "summary_records",
           "team_slugs",
]
