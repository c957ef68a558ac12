//! Poster cost, against a baseline measured in the same run: encoding the card's QR code
//! as a PNG alone (what `media::save_qr` does). Run through `bench/poster.sh`.
//!
//! Usage: poster_bench [cold iterations (40)] [cached iterations (20000)] [out.png]

use std::path::Path;
use std::time::{Duration, Instant};

use leida::poster::{self, PosterCard};

/// CPU time of this thread (user + system) from /proc, in clock ticks of 1/CLK_TCK s.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let hz: u64 = std::env::var("CLK_TCK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    Some(Duration::from_nanos(ticks * 1_000_000_000 / hz))
}

struct Measure {
    name: &'static str,
    /// Median wall time of one iteration.
    median: Duration,
    /// Thread CPU time per iteration, averaged over the loop.
    cpu: Option<Duration>,
}

fn measure(name: &'static str, iters: u32, mut job: impl FnMut(u32)) -> Measure {
    job(u32::MAX); // warm-up
    let mut times = Vec::with_capacity(iters as usize);
    let cpu_before = thread_cpu();
    for i in 0..iters {
        let start = Instant::now();
        job(i);
        times.push(start.elapsed());
    }
    let cpu = match (cpu_before, thread_cpu()) {
        (Some(a), Some(b)) => Some((b - a) / iters),
        _ => None,
    };
    times.sort();
    Measure {
        name,
        median: times[times.len() / 2],
        cpu,
    }
}

fn card(qr_content: String) -> PosterCard {
    PosterCard {
        name: "岑晏瞿".into(),
        position: "销售总监".into(),
        company: "北京合众康桥科技有限公司".into(),
        phone: "13900001111".into(),
        signature: "专业、靠谱、准时,用心做好每一个产品".into(),
        avatar: poster::avatar_bytes(Path::new("/nonexistent"), "", ""),
        qr_content,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let cold: u32 = args.get(1).map_or(Ok(40), |a| a.parse())?;
    let cached: u32 = args.get(2).map_or(Ok(20000), |a| a.parse())?;
    let url = |i: u32| format!("https://card.example.com/mp/mingpian?uid=12&source=1&pid={i}");
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().to_path_buf();

    let start = Instant::now();
    poster::render(&card(url(0))).map_err(|e| e.to_string())?; // loads the font once
    println!("first render, font load included: {}", ms(start.elapsed()));

    // Ten times the iterations: one call is about one clock tick of CPU time.
    let baseline = measure("baseline: QR code → PNG", cold * 10, |i| {
        let mut png = std::io::Cursor::new(Vec::new());
        leida::media::qr_image(&url(i))
            .and_then(|qr| {
                qr.write_to(&mut png, image::ImageFormat::Png)
                    .map_err(leida::error::ApiError::internal)
            })
            .expect("qr png");
    });
    let render = measure("cold poster: draw + PNG", cold, |i| {
        poster::render(&card(url(i))).expect("render");
    });
    let stored = measure("cold poster_file: draw + PNG + write", cold, |i| {
        poster::poster_file(&dir, &card(url(i))).expect("store");
    });
    let existing = card(url(0));
    let rel = poster::poster_file(&dir, &existing).map_err(|e| e.to_string())?;
    let lookup = measure("cached poster_file: hash + stat", cached, |_| {
        poster::poster_file(&dir, &existing).expect("lookup");
    });

    println!("\n| step | median wall | CPU per call | × baseline (CPU) |");
    println!("|---|---|---|---|");
    let base_cpu = baseline.cpu.unwrap_or(baseline.median).as_secs_f64();
    for m in [&baseline, &render, &stored, &lookup] {
        let cpu = m.cpu.map_or("n/a".to_string(), ms);
        let ratio = m.cpu.unwrap_or(m.median).as_secs_f64() / base_cpu;
        println!("| {} | {} | {} | {:.3} |", m.name, ms(m.median), cpu, ratio);
    }
    let goal = |ok: bool| if ok { "met" } else { "NOT met" };
    let cold_cpu = render.cpu.unwrap_or(render.median);
    println!(
        "\ngoals: cold ≤ 40 ms CPU: {} ({}); cached ≤ 1 ms: {} ({})",
        goal(cold_cpu <= Duration::from_millis(40)),
        ms(cold_cpu),
        goal(lookup.median <= Duration::from_millis(1)),
        ms(lookup.median)
    );

    let png = std::fs::read(dir.join(&rel))?;
    if let Some(out) = args.get(3) {
        std::fs::write(out, &png)?;
        println!("poster written to {out} ({} bytes)", png.len());
    }
    Ok(())
}
