"""Pages of the assessments app: frameworks and campaigns (the CERT), answering (the constituent's
administrator), review and results. Views parse input, call ``actions`` and render."""
