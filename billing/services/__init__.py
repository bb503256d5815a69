"""Invoicing (invoices, credit, quotes) and the quote requests of organisations."""
