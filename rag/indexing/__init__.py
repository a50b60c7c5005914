"""From files to an index: reading and cleaning articles (offsets kept), sentence-aligned chunks,
the ingest that embeds and stores them, and checks on uploaded files."""
