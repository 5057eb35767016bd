"""The archive index: vectors, lexical index and metadata in one directory, and search over them."""
