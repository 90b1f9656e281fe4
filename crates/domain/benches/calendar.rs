//! `add` and `between` on the 8x5 calendar over random starts (2024–2026) and
//! durations up to 30 working days, beside the minute-stepping oracle.
//! Run with `cargo bench -p reglament-domain --bench calendar`.

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, Throughput};
use reglament_domain::calendar::{BusinessCalendar, CalendarSettings, shipped_years};
use reglament_domain::calendar_oracle::Oracle;

/// A small deterministic generator, so that every run measures the same cases.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> i64 {
        i64::try_from(self.next() % n).expect("the bench input is valid")
    }
}

fn cases(n: usize) -> Vec<(DateTime<Utc>, TimeDelta)> {
    let mut rng = SplitMix(2026);
    let (first, span) = (1_704_056_400_i64, 91_929_599_u64); // 2024-01-01 .. 2026-11-30 Moscow
    (0..n)
        .map(|_| {
            let t = DateTime::from_timestamp(first + rng.below(span), 0).expect("the bench input is valid");
            (t, TimeDelta::seconds(1 + rng.below(30 * 9 * 3600)))
        })
        .collect()
}

fn ops_per_second(n: usize, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    f();
    #[allow(clippy::cast_precision_loss)]
    let ops = n as f64 / start.elapsed().as_secs_f64();
    ops
}

fn main() {
    let calendar = BusinessCalendar::russian().expect("the bench input is valid");
    let oracle = Oracle::new(
        shipped_years().expect("the bench input is valid"),
        CalendarSettings::default(),
    );
    let batch = cases(1024);
    let dues: Vec<_> = batch
        .iter()
        .map(|(t, d)| calendar.add(*t, *d).expect("the bench input is valid"))
        .collect();

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("calendar_8x5");
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function("add", |b| {
        b.iter(|| {
            for (t, d) in &batch {
                black_box(
                    calendar
                        .add(black_box(*t), black_box(*d))
                        .expect("the bench input is valid"),
                );
            }
        });
    });
    group.bench_function("between", |b| {
        b.iter(|| {
            for ((t, _), due) in batch.iter().zip(&dues) {
                black_box(
                    calendar
                        .between(black_box(*t), black_box(*due))
                        .expect("the bench input is valid"),
                );
            }
        });
    });
    group.sample_size(10);
    group.throughput(Throughput::Elements(64));
    group.bench_function("oracle_add", |b| {
        b.iter(|| {
            for (t, d) in &batch[..64] {
                black_box(oracle.add(black_box(*t), black_box(*d)));
            }
        });
    });
    group.finish();

    // The figures the issue asks for, in one line each.
    let many = cases(1_000_000);
    let fast = ops_per_second(many.len(), || {
        for (t, d) in &many {
            black_box(calendar.add(*t, *d).expect("the bench input is valid"));
        }
    });
    let between = ops_per_second(many.len(), || {
        for (t, d) in &many {
            black_box(calendar.between(*t, *t + *d).expect("the bench input is valid"));
        }
    });
    let slow = ops_per_second(2_000, || {
        for (t, d) in &many[..2_000] {
            black_box(oracle.add(*t, *d));
        }
    });
    println!("calendar add:     {fast:>14.0} ops/s on one core");
    println!("calendar between: {between:>14.0} ops/s on one core");
    println!("oracle add:       {slow:>14.0} ops/s (minute stepping)");
    println!("add / oracle:     {:>14.0}x", fast / slow);
}
