//! Everything on paper: the versioned format, rendering sheets and documents as PDF, reading
//! scans, photos and PDFs back, and the runbook and ceremony record printed beside the sheets.

pub mod format;
pub mod render;
pub mod runbook;
pub mod scan;
