"""Adapters: turn a workbook (a file, desktop Excel, a remote payload) into plain value grids."""
