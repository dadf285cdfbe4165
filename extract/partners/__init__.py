"""Intake of partners' hand-made files (CAF, MSA, CPAM, CCAS/CIAS, forums, CTG follow-up). See README.md."""

from extract.partners.contracts import CONTRACTS, Column, Contract
from extract.partners.ingest import IngestResult, PartnerFileRefused, ingest_file, ingest_inbox, landing_frame
from extract.partners.templates import render_docs, write_docs, write_template
from extract.partners.validate import neutralise

__all__ = [
    "CONTRACTS", "Column", "Contract", "IngestResult", "PartnerFileRefused", "ingest_file", "ingest_inbox",
    "landing_frame", "neutralise", "render_docs", "write_docs", "write_template",
]
