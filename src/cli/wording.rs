//! Wording shared by the commands' printed lines (the library's, so pages and reports agree).

pub use breakglass::wording::count;
