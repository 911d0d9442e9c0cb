"""The command line's pieces: terminal rendering and the evaluation command."""
