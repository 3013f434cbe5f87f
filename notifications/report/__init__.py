"""The consolidated report rendered for people: DOCX (the administrative report to sign), XLSX
(the figures annex), HTML (the browser and the Prefect UI), PDF (LibreOffice, from the DOCX)."""
