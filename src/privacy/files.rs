//! The files a person made (uploads, the QR codes and posters drawn for them), found through
//! the URLs the database holds, and deleted once the deletion has committed.

use std::path::{Component, Path};

use crate::media::{POSTER_DIR, QR_DIR, UPLOAD_DIR};

const MEDIA: [&str; 3] = [UPLOAD_DIR, QR_DIR, POSTER_DIR];
const MARK: &str = "statics/";

/// The media files (paths under `data_dir`) that `text` names as static URLs
/// (`.../statics/uploads/...`): a stored URL, a JSON list of them, or a message that
/// carries one. Anything outside the media folders, or with `..`, is ignored.
pub fn mentioned(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        rest = &rest[at + MARK.len()..];
        let end = rest
            .find(|ch: char| !(ch.is_ascii_alphanumeric() || "/._-".contains(ch)))
            .unwrap_or(rest.len());
        let rel = &rest[..end];
        if is_media(rel) && !found.iter().any(|f| f == rel) {
            found.push(rel.to_string());
        }
        rest = &rest[end..];
    }
    found
}

fn is_media(rel: &str) -> bool {
    let mut parts = Path::new(rel).components();
    let in_media = matches!(parts.next(), Some(Component::Normal(first))
        if MEDIA.iter().any(|m| first == *m));
    in_media
        && Path::new(rel).components().count() > 1
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Deletes `rels` under `data_dir`. A file already gone is fine; another failure is logged
/// (the rows naming it are gone, so it is an orphan that names nobody).
pub fn remove(data_dir: &Path, rels: &[String]) -> usize {
    let mut removed = 0;
    for rel in rels.iter().filter(|r| is_media(r)) {
        match std::fs::remove_file(data_dir.join(rel)) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => log::warn!("could not delete {rel} of an erased account: {e}"),
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::mentioned;

    #[test]
    fn finds_media_urls_and_ignores_the_rest() {
        let text = r#"["http://x/statics/uploads/202601/ab.png","statics/qr/1.png",
            "statics/imgs/Avator.jpg","statics/uploads/../leida.db","statics/uploads/ab.png"]"#;
        assert_eq!(
            mentioned(text),
            vec!["uploads/202601/ab.png", "qr/1.png", "uploads/ab.png"]
        );
    }
}
