"""Qt painting shared by the screens and the printer, below both: the fonts of each script
and the receipt's page layout. It knows the domain and the languages, never the UI."""
