"""Files to documents: loaders per format, cleaning, file metadata, the manifest and the
sources folder."""
