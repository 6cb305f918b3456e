"""xlwings Server for the xlmon Excel add-in."""
