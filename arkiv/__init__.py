"""The arkiv command-line tool."""
