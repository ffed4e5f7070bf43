"""Monthly invoicing of the municipalities: fee schedule, invoice run, credit notes, allocation, PDF/UBL/CSV."""
