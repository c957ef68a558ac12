//! The poster renderer on its own: every glyph drawn, every input in the file name, and
//! avatars read only from the media folders.

use std::time::{Duration, SystemTime};

use image::RgbImage;
use leida::poster::{self, sweep, PosterCard};

use crate::common::{wait_for, TestApp};

/// How many pixels of `area` (x, y, w, h) are not the white background.
pub fn inked(img: &RgbImage, (x, y, w, h): (u32, u32, u32, u32)) -> usize {
    (y..y + h)
        .flat_map(|py| (x..x + w).map(move |px| (px, py)))
        .filter(|&(px, py)| img.get_pixel(px, py).0 != [255, 255, 255])
        .count()
}

/// The left column under the avatar: name, position, phone, signature.
pub const TEXT_AREA: (u32, u32, u32, u32) = (62, 585, 310, 190);

/// The left column of a poster showing only `name` and `phone`.
fn details(name: &str, phone: &str) -> RgbImage {
    let card = PosterCard {
        name: name.into(),
        phone: phone.into(),
        qr_content: "http://127.0.0.1:8000/mp/mingpian?uid=1&source=1".into(),
        ..PosterCard::default()
    };
    let png = poster::render(&card).unwrap();
    let img = image::load_from_memory(&png).unwrap().to_rgb8();
    let (x, y, w, h) = TEXT_AREA;
    image::imageops::crop_imm(&img, x, y, w, h).to_image()
}

/// Each glyph is drawn, and drawn as itself: a dropped glyph leaves no ink, a missing one
/// the same box as any other missing one.
fn assert_distinct_glyphs(samples: &[RgbImage], what: &str) {
    for (i, a) in samples.iter().enumerate() {
        assert!(
            inked(a, (0, 0, a.width(), a.height())) > 50,
            "{what} #{i} is drawn"
        );
        for b in &samples[i + 1..] {
            // Not assert_ne!: it would print both images.
            assert!(a != b, "{what}: two characters drawn alike");
        }
    }
}

#[test]
fn rare_surnames_and_latin_digits_are_drawn() {
    let names: Vec<RgbImage> = ["岑", "晏", "瞿", "缪"]
        .iter()
        .map(|n| details(n, ""))
        .collect();
    assert_distinct_glyphs(&names, "surnames");
    let digits: Vec<RgbImage> = ["1", "8", "0", "A"]
        .iter()
        .map(|d| details("", d))
        .collect();
    assert_distinct_glyphs(&digits, "digits");
    let blank = details("", "");
    assert_eq!(inked(&blank, (0, 0, blank.width(), blank.height())), 0);
}

#[test]
fn every_input_is_part_of_the_file_name() {
    let card = PosterCard {
        name: "张三".into(),
        qr_content: "http://127.0.0.1:8000/mp/mingpian?uid=1&source=1".into(),
        ..PosterCard::default()
    };
    let name = card.file_name();
    assert!(
        name.starts_with("posters/") && name.ends_with(".png"),
        "{name}"
    );
    assert_eq!(card.clone().file_name(), name);
    let changes: [fn(&mut PosterCard); 8] = [
        |c| c.name.push('四'),
        |c| c.position.push('x'),
        |c| c.company.push('x'),
        |c| c.phone.push('1'),
        |c| c.signature.push('x'),
        |c| c.avatar.push(0),
        |c| c.qr_content.push('1'),
        // Length-prefixed: moving a character between fields is a change too.
        |c| {
            c.name = "张".into();
            c.position = "三".into();
        },
    ];
    for change in changes {
        let mut other = card.clone();
        change(&mut other);
        assert_ne!(other.file_name(), name, "{other:?}");
    }
}

#[test]
fn a_stored_poster_is_reused_and_never_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let card = PosterCard {
        name: "岑晏瞿".into(),
        qr_content: "http://127.0.0.1:8000/mp/mingpian?uid=1&source=1".into(),
        ..PosterCard::default()
    };
    let rel = poster::poster_file(dir.path(), &card).unwrap();
    assert_eq!(rel, card.file_name());
    let png = std::fs::read(dir.path().join(&rel)).unwrap();
    assert_eq!(
        png,
        poster::render(&card).unwrap(),
        "drawing is deterministic"
    );
    std::fs::write(dir.path().join(&rel), b"marker").unwrap();
    assert_eq!(poster::poster_file(dir.path(), &card).unwrap(), rel);
    assert_eq!(std::fs::read(dir.path().join(&rel)).unwrap(), b"marker");
    let files: Vec<_> = std::fs::read_dir(dir.path().join("posters"))
        .unwrap()
        .collect();
    assert_eq!(files.len(), 1, "no temporary file left behind");
}

fn days_ago(path: &std::path::Path, days: u64) {
    let when = SystemTime::now() - Duration::from_secs(days * 24 * 3600);
    std::fs::File::options()
        .append(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

fn age_in_days(path: &std::path::Path) -> u64 {
    let modified = std::fs::metadata(path).unwrap().modified().unwrap();
    SystemTime::now()
        .duration_since(modified)
        .unwrap()
        .as_secs()
        / (24 * 3600)
}

#[test]
fn posters_unused_for_a_month_are_swept_and_a_served_one_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let card = PosterCard {
        name: "林".into(),
        qr_content: "http://127.0.0.1:8000/mp/mingpian?uid=1&source=1".into(),
        ..PosterCard::default()
    };
    let served = dir
        .path()
        .join(poster::poster_file(dir.path(), &card).unwrap());
    let posters = dir.path().join(leida::media::POSTER_DIR);
    let (old, fresh, leftover) = (
        posters.join("old.png"),
        posters.join("fresh.png"),
        posters.join("x.tmp0123456789abcdef"),
    );
    for file in [&old, &fresh, &leftover] {
        std::fs::write(file, b"png").unwrap();
    }
    for file in [&old, &leftover, &served] {
        days_ago(file, 40);
    }
    // Served again: marked used, so the sweep keeps it.
    poster::poster_file(dir.path(), &card).unwrap();
    assert_eq!(age_in_days(&served), 0);

    assert_eq!(sweep::sweep(&posters, sweep::KEEP).unwrap(), 2);
    assert!(!old.exists() && !leftover.exists());
    assert!(fresh.exists() && served.exists());
    assert_eq!(
        sweep::sweep(&dir.path().join("none"), sweep::KEEP).unwrap(),
        0
    );
}

#[test]
fn the_server_sweeps_old_posters_when_it_starts() {
    let files = tempfile::tempdir().unwrap();
    let posters = files.path().join(leida::media::POSTER_DIR);
    std::fs::create_dir_all(&posters).unwrap();
    let (old, recent) = (posters.join("old.png"), posters.join("recent.png"));
    std::fs::write(&old, b"png").unwrap();
    std::fs::write(&recent, b"png").unwrap();
    days_ago(&old, 31);
    days_ago(&recent, 29);
    let data_dir = files.path().to_path_buf();
    let _app = TestApp::with(move |f| f.merge(("data_dir", data_dir)));
    wait_for("the sweep at start", || !old.exists());
    assert!(recent.exists());
}

#[test]
fn avatars_are_read_only_from_inside_the_media_folders() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret.txt"), b"secret").unwrap();
    let data_dir = dir.path().join("files");
    std::fs::create_dir_all(data_dir.join("uploads")).unwrap();
    std::fs::write(data_dir.join("uploads/a.jpg"), b"mine").unwrap();
    let default = poster::avatar_bytes(&data_dir, "http://x", "");
    assert!(
        image::load_from_memory(&default).is_ok(),
        "the bundled default"
    );

    let read = |stored: &str| poster::avatar_bytes(&data_dir, "http://x", stored);
    assert_eq!(read("statics/uploads/a.jpg"), b"mine");
    assert_eq!(read("http://x/statics/uploads/a.jpg"), b"mine");
    assert_eq!(read("uploads/a.jpg"), b"mine");
    assert_eq!(read("statics/../secret.txt"), default);
    assert_eq!(read("../secret.txt"), default);
    assert_eq!(read("https://elsewhere.example/a.jpg"), default);
    assert_eq!(read("statics/imgs/Avator.jpg"), {
        let bundled = leida::assets::Assets::get("imgs/Avator.jpg").unwrap();
        bundled.data.into_owned()
    });
}
