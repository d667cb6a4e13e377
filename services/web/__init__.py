"""The dashboard: server-rendered pages for BKPSDM officers, OPD heads and auditors, over the report API."""
