"""One writer per vendor export: Amazon Connect, Salesforce Bulk API, Qualtrics."""
