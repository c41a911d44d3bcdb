//! Reading large CSV inputs on every core, with results in input order: the one block pipeline
//! of the workspace (scoring and the feature engine's activity table use it).
//!
//! - [`BlockReader`] cuts a byte stream into blocks of whole records (a quoted newline never
//!   ends a block);
//! - [`RecordReader`] splits a block into records and fields (the field splitter);
//! - [`run_ordered`] runs `reader thread -> N workers -> the calling thread`, the calling thread
//!   taking the results in input order, with a fixed pool of block buffers (memory stays flat
//!   however far a worker falls behind) and a panic guard (a panicking reader or worker stops
//!   the pipeline and the panic is re-raised, never a hang);
//! - [`threads`] is the one rule for the number of workers.
//!
//! Everything that depends on order (sums, the first error, line numbers) is therefore exactly
//! what one sequential pass gives, whatever the number of workers and the block size.
//!
//! ```
//! use churn_core::blocks::{run_ordered, BlockReader, RecordReader};
//!
//! let text = b"id,city\n1,\"New\nYork\"\n2,Paris\n3,Rome\n";
//! let mut blocks = BlockReader::new(&text[8..], Vec::new(), 4);
//! let mut cities = Vec::new();
//! run_ordered(
//!     3,
//!     |b: &mut (Vec<u8>, Vec<String>)| blocks.next_block(&mut b.0),
//!     RecordReader::new,
//!     |records, b| {
//!         let (mut input, mut line) = (&b.0[..], 1);
//!         b.1.clear();
//!         while let Some(r) = records.next_record(&mut input, &mut line) {
//!             b.1.push(String::from_utf8_lossy(r.field(1)).into_owned());
//!         }
//!     },
//!     |b| {
//!         cities.append(&mut b.1);
//!         Ok::<(), std::io::Error>(())
//!     },
//! )?;
//! assert_eq!(cities, ["New\nYork", "Paris", "Rome"]);
//! # Ok::<(), std::io::Error>(())
//! ```

mod chunker;
mod records;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex, PoisonError};

pub use chunker::{record_end, BlockReader};
pub use records::{Record, RecordReader};

/// The number of worker threads of a block pipeline: rayon's (so `RAYON_NUM_THREADS` and a
/// global pool set by the caller apply), at most 16.
pub fn threads() -> usize {
    rayon::current_num_threads().clamp(1, 16)
}

/// What travels back to the calling thread.
enum Done<B, E> {
    /// Block `seq`, worked on.
    Block(u64, B),
    /// The reader failed where block `seq` would have been.
    Failed(u64, E),
    /// A reader or worker panicked.
    Panicked(Payload),
}

/// A panic's payload, to re-raise on the calling thread.
type Payload = Box<dyn std::any::Any + Send>;

/// Runs `f`; should it panic, sends the payload to the calling thread instead.
fn guarded<B, E>(done: &mpsc::Sender<Done<B, E>>, f: impl FnOnce()) {
    if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        let _ = done.send(Done::Panicked(payload));
    }
}

/// Sets the stop flag when dropped (the calling thread returning, failing or panicking).
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Runs an ordered block pipeline and returns when every block has been taken, or at the first
/// error (the reader's or `take`'s, whichever comes first in input order).
///
/// - `fill` runs on a reader thread: it fills a recycled block `B` (a buffer from the pool,
///   holding whatever the previous use left) and returns `Ok(false)` at the end of the input;
/// - `work` runs on `workers` threads, each with its own state made by `state`;
/// - `take` runs on the calling thread, on the blocks in the order `fill` produced them; the
///   block then goes back to the pool.
///
/// At most `2 × workers + 2` blocks exist. When `take` fails (or the input fails), the reader
/// stops and the workers skip the blocks still queued. A panic in `fill` or `work` stops the
/// pipeline and is re-raised on the calling thread.
pub fn run_ordered<B, E, S>(
    workers: usize,
    mut fill: impl FnMut(&mut B) -> Result<bool, E> + Send,
    state: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, &mut B) + Sync,
    mut take: impl FnMut(&mut B) -> Result<(), E>,
) -> Result<(), E>
where
    B: Default + Send,
    E: Send,
{
    let workers = workers.max(1);
    let slots = 2 * workers + 2;
    let (pool_tx, pool_rx) = mpsc::channel::<B>();
    for _ in 0..slots {
        pool_tx.send(B::default()).expect("the pool receiver is alive");
    }
    let (work_tx, work_rx) = mpsc::channel::<(u64, B)>();
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<Done<B, E>>();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let stop = &stop;
        let reader_done = done_tx.clone();
        s.spawn(move || {
            guarded(&reader_done.clone(), || {
                for seq in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    // Waits for a free block; ends when the calling thread has gone.
                    let Ok(mut block) = pool_rx.recv() else { return };
                    match fill(&mut block) {
                        Ok(true) => {
                            if work_tx.send((seq, block)).is_err() {
                                return;
                            }
                        }
                        Ok(false) => return,
                        Err(e) => {
                            let _ = reader_done.send(Done::Failed(seq, e));
                            return;
                        }
                    }
                }
            })
        });
        for _ in 0..workers {
            let (work_rx, done_tx, state, work) = (&work_rx, done_tx.clone(), &state, &work);
            s.spawn(move || {
                guarded(&done_tx.clone(), || {
                    let mut st = state();
                    loop {
                        // The lock is held only while waiting for the next block.
                        let next = work_rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        let Ok((seq, mut block)) = next else { return };
                        if !stop.load(Ordering::Relaxed) {
                            work(&mut st, &mut block);
                        }
                        if done_tx.send(Done::Block(seq, block)).is_err() {
                            return;
                        }
                    }
                })
            });
        }
        // Every other sender now belongs to a thread: the channel ends with them.
        drop(done_tx);
        let _stop = StopOnDrop(stop);
        take_in_order(done_rx, pool_tx, &mut take)
    })
    .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}

/// The calling thread's part: takes the blocks in input order and returns them to the pool.
/// Owns the pool's sender and the results' receiver, so that returning (or unwinding) releases
/// the reader and the workers.
fn take_in_order<B, E>(
    done_rx: mpsc::Receiver<Done<B, E>>,
    pool_tx: mpsc::Sender<B>,
    take: &mut impl FnMut(&mut B) -> Result<(), E>,
) -> Result<Result<(), E>, Payload> {
    let mut waiting: BTreeMap<u64, Result<B, E>> = BTreeMap::new();
    let mut next = 0u64;
    for msg in done_rx.iter() {
        match msg {
            Done::Block(seq, block) => waiting.insert(seq, Ok(block)),
            Done::Failed(seq, e) => waiting.insert(seq, Err(e)),
            // Re-raised once every thread has ended.
            Done::Panicked(payload) => return Err(payload),
        };
        while let Some(block) = waiting.remove(&next) {
            next += 1;
            let mut block = match block {
                Ok(block) => block,
                Err(e) => return Ok(Err(e)),
            };
            if let Err(e) = take(&mut block) {
                return Ok(Err(e));
            }
            let _ = pool_tx.send(block);
        }
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A CSV text with quoted fields (some holding newlines and commas), blank lines and CRLF.
    fn sample(rows: usize) -> Vec<u8> {
        let mut t = Vec::new();
        for i in 0..rows {
            let name = match i % 7 {
                0 => format!("\"multi\nline {i}\""),
                1 => format!("\"a,b \"\"{i}\"\"\""),
                2 => format!("plain{i}"),
                3 => String::new(),
                _ => "x".repeat(i % 23),
            };
            t.extend_from_slice(format!("{i},{name},{}\n", i * 3).as_bytes());
            if i % 11 == 0 {
                t.extend_from_slice(b"\r\n");
            }
        }
        t
    }

    /// The fields of every record of `text`, read by the csv crate.
    fn reference(text: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text);
        rdr.byte_records().map(|r| r.unwrap().iter().map(|f| f.to_vec()).collect()).collect()
    }

    #[derive(Default)]
    struct Block {
        data: Vec<u8>,
        /// (line within the block, fields) of each record, and the lines the block spans.
        recs: Vec<(u64, Vec<Vec<u8>>)>,
        lines: u64,
    }

    /// Reads `text` through the pipeline; returns the records with their lines in the text.
    fn through_pipeline(text: &[u8], target: usize, workers: usize) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut blocks = BlockReader::new(text, Vec::new(), target);
        let mut out = Vec::new();
        let mut base = 0u64;
        run_ordered(
            workers,
            |b: &mut Block| blocks.next_block(&mut b.data),
            RecordReader::new,
            |r, b| {
                b.recs.clear();
                let (mut input, mut line) = (&b.data[..], 1u64);
                while let Some(rec) = r.next_record(&mut input, &mut line) {
                    b.recs.push((rec.line, (0..rec.ends.len()).map(|j| rec.field(j).to_vec()).collect()));
                }
                b.lines = line - 1;
            },
            |b| {
                out.extend(b.recs.drain(..).map(|(l, f)| (l + base, f)));
                base += b.lines;
                Ok::<(), std::io::Error>(())
            },
        )
        .unwrap();
        out
    }

    #[test]
    fn order_and_lines_hold_for_any_worker_count_and_block_size() {
        let text = sample(300);
        let want = reference(&text);
        let sequential = through_pipeline(&text, 1 << 20, 1);
        assert_eq!(sequential.len(), 300);
        let fields = |v: &[(u64, Vec<Vec<u8>>)]| v.iter().map(|r| r.1.clone()).collect::<Vec<_>>();
        assert_eq!(fields(&sequential), want);
        // Lines counted by hand: a record starts one line after the previous one, plus one for
        // its quoted newline, plus one after each blank CRLF line.
        let mut line = 1;
        for (i, rec) in sequential.iter().enumerate() {
            assert_eq!(rec.0, line, "record {i}");
            line += 1 + u64::from(i % 7 == 0) + u64::from(i % 11 == 0);
        }
        for workers in [1, 2, 3, 5, 8] {
            for target in [1, 7, 64, 500, 4096] {
                assert_eq!(through_pipeline(&text, target, workers), sequential, "{workers} workers, {target} bytes");
            }
        }
    }

    #[test]
    fn a_quoted_newline_never_ends_a_block() {
        let text = b"1,\"one\ntwo\nthree\",x\n2,\"a\"\"\nb\",y\n";
        for target in 1..text.len() {
            let mut r = BlockReader::new(&text[..], Vec::new(), target);
            let mut buf = Vec::new();
            let mut cuts = Vec::new();
            let mut at = 0;
            while r.next_block(&mut buf).unwrap() {
                at += buf.len();
                cuts.push(at);
            }
            // The only record ends are after `x\n` (20) and at the end.
            assert!(cuts.iter().all(|&c| c == 20 || c == text.len()), "target {target}: {cuts:?}");
            assert_eq!(through_pipeline(text, target, 2), through_pipeline(text, 1 << 20, 1));
        }
    }

    #[test]
    fn a_worker_panic_is_raised_and_stops_an_endless_reader() {
        let filled = AtomicUsize::new(0);
        for workers in [1, 2, 4] {
            filled.store(0, Ordering::Relaxed);
            let r = std::panic::catch_unwind(|| {
                run_ordered(
                    workers,
                    |b: &mut u64| {
                        // An endless input: only the stop can end the reader.
                        *b = filled.fetch_add(1, Ordering::Relaxed) as u64;
                        Ok::<bool, ()>(true)
                    },
                    || (),
                    |_, b| assert!(*b != 5, "block 5 is bad"),
                    |_| Ok(()),
                )
            });
            let err = r.expect_err("the panic is re-raised");
            assert_eq!(err.downcast_ref::<&str>(), Some(&"block 5 is bad"));
            // The pool bounds how far the reader ran ahead before it saw the stop.
            assert!(filled.load(Ordering::Relaxed) <= 5 + 2 * (2 * workers + 2), "{workers} workers");
        }
    }

    #[test]
    fn a_reader_panic_is_raised() {
        let r = std::panic::catch_unwind(|| {
            let mut n = 0;
            run_ordered(
                2,
                |b: &mut u32| {
                    n += 1;
                    assert!(n < 4, "reader fails");
                    *b = n;
                    Ok::<bool, ()>(true)
                },
                || (),
                |_, _| {},
                |_| Ok(()),
            )
        });
        assert_eq!(r.expect_err("re-raised").downcast_ref::<&str>(), Some(&"reader fails"));
    }

    #[test]
    fn errors_come_in_input_order_and_stop_the_reader() {
        // `take` fails at block 10 of an endless input; the reader failing later is not seen.
        let filled = AtomicUsize::new(0);
        let mut taken = Vec::new();
        let r = run_ordered(
            3,
            |b: &mut usize| {
                *b = filled.fetch_add(1, Ordering::Relaxed);
                if *b == 30 {
                    return Err(format!("read {b}"));
                }
                Ok(true)
            },
            || (),
            |_, b| *b *= 2,
            |b| {
                if *b == 20 {
                    return Err(format!("take {b}"));
                }
                taken.push(*b);
                Ok(())
            },
        );
        assert_eq!(r, Err("take 20".to_string()));
        assert_eq!(taken, (0..10).map(|i| 2 * i).collect::<Vec<_>>());
        // A reader error comes after every block before it.
        let mut taken = Vec::new();
        let mut n = 0;
        let r = run_ordered(
            2,
            |b: &mut usize| {
                n += 1;
                *b = n;
                if n == 7 {
                    return Err("read failed");
                }
                Ok(true)
            },
            || (),
            |_, _| {},
            |b| {
                taken.push(*b);
                Ok(())
            },
        );
        assert_eq!(r, Err("read failed"));
        assert_eq!(taken, (1..7).collect::<Vec<_>>());
    }
}
