//! Textbook queueing formulas the what-if simulator is checked against
//! (and a planner can start from): Erlang C (M/M/n, callers wait forever)
//! and Erlang A (M/M/n+M, callers abandon after an exponential patience).
//!
//! Units: `load` is the offered load in Erlangs (arrival rate × mean handle
//! time); times are in the same unit as `handle`.

/// Erlang B blocking probability for `n` servers and `load` Erlangs, by the
/// stable recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)).
pub fn erlang_b(n: u32, load: f64) -> f64 {
    (1..=n).fold(1.0, |b, k| load * b / (f64::from(k) + load * b))
}

/// Erlang C: the probability that an arrival waits (all `n` agents busy).
/// 1 when the load reaches the staff (the queue grows without bound).
pub fn erlang_c(n: u32, load: f64) -> f64 {
    let n_f = f64::from(n);
    if load >= n_f {
        return 1.0;
    }
    let b = erlang_b(n, load);
    n_f * b / (n_f - load * (1.0 - b))
}

/// Erlang C service level: the share of arrivals answered within `t`.
pub fn erlang_c_service_level(n: u32, load: f64, handle: f64, t: f64) -> f64 {
    let n_f = f64::from(n);
    if load >= n_f {
        return 0.0;
    }
    1.0 - erlang_c(n, load) * (-(n_f - load) * t / handle).exp()
}

/// Erlang C average speed of answer (mean wait of all arrivals).
pub fn erlang_c_asa(n: u32, load: f64, handle: f64) -> f64 {
    let n_f = f64::from(n);
    if load >= n_f {
        return f64::INFINITY;
    }
    erlang_c(n, load) * handle / (n_f - load)
}

/// Erlang A (M/M/n+M) steady-state figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangA {
    /// The probability that an arrival finds every agent busy (and waits).
    pub wait_probability: f64,
    /// The share of arrivals that abandon.
    pub abandonment: f64,
    /// The mean time in queue over all arrivals (those who abandon too).
    pub mean_queue_time: f64,
    /// The share of agent time spent handling.
    pub occupancy: f64,
}

/// Erlang A for `n` agents, arrival rate `lambda`, mean handle time
/// `handle` and mean patience `patience`, from the birth–death chain's
/// stationary distribution (births λ; deaths min(k, n)/handle + (k − n)⁺ /
/// patience), summed until its terms no longer count. Stable at any load:
/// abandonment keeps the queue finite.
pub fn erlang_a(n: u32, lambda: f64, handle: f64, patience: f64) -> ErlangA {
    let mu = 1.0 / handle;
    let theta = 1.0 / patience;
    // Unnormalised π_k, relative to π_0 = 1, kept in a scale that cannot
    // overflow for the sizes a contact center has: each term from the
    // last.
    let mut p = 1.0f64;
    let mut total = 1.0;
    let mut busy_sum = 0.0; // Σ π_k · min(k, n)
    let mut queue_sum = 0.0; // Σ π_k · (k − n)⁺
    let mut at_least_n = if n == 0 { 1.0 } else { 0.0 };
    let mut k: u32 = 0;
    loop {
        k += 1;
        let death = f64::from(k.min(n)) * mu + f64::from(k.saturating_sub(n)) * theta;
        p *= lambda / death;
        total += p;
        busy_sum += p * f64::from(k.min(n));
        queue_sum += p * f64::from(k.saturating_sub(n));
        if k >= n {
            at_least_n += p;
        }
        if k > n && p < total * 1e-16 {
            break;
        }
        if k > 1_000_000 {
            break;
        }
    }
    let queue = queue_sum / total;
    ErlangA {
        wait_probability: at_least_n / total,
        abandonment: theta * queue / lambda,
        mean_queue_time: queue / lambda,
        occupancy: busy_sum / total / f64::from(n.max(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// 360 calls an hour with a 4-minute handle time (24 Erlangs) on 28
    /// agents, 20-second target. The expected figures were computed apart
    /// from this code, from the closed form C = (aⁿ/n!·n/(n−a)) /
    /// (Σₖ<ₙ aᵏ/k! + aⁿ/n!·n/(n−a)) with Python's `math`: C = 0.33314,
    /// SL(20 s) = 1 − C·e^(−(n−a)·20/240) = 0.76130, ASA = C·240/(n−a) =
    /// 19.988 s.
    #[test]
    fn erlang_c_matches_the_closed_form() {
        let load = 360.0 / 3600.0 * 240.0;
        assert!(close(load, 24.0, 1e-12));
        let c = erlang_c(28, load);
        assert!(close(c, 0.333_14, 1e-5), "{c}");
        let sl = erlang_c_service_level(28, load, 240.0, 20.0);
        assert!(close(sl, 0.761_30, 1e-5), "{sl}");
        let asa = erlang_c_asa(28, load, 240.0);
        assert!(close(asa, 19.988, 1e-3), "{asa}");
        // One agent more or less moves the answer the right way.
        assert!(erlang_c(27, load) > c && erlang_c(29, load) < c);
        assert_eq!(
            erlang_c(24, load),
            1.0,
            "a load equal to the staff never clears"
        );
    }

    #[test]
    fn erlang_b_and_c_agree_with_their_closed_forms() {
        // One server: B = a/(1+a), C = a.
        for a in [0.1, 0.5, 0.9] {
            assert!(close(erlang_b(1, a), a / (1.0 + a), 1e-12));
            assert!(close(erlang_c(1, a), a, 1e-12));
        }
    }

    /// With patience far longer than any wait, Erlang A is Erlang C; with
    /// impatient callers fewer wait, some abandon, and the queue is finite
    /// even when the load exceeds the staff.
    #[test]
    fn erlang_a_tends_to_erlang_c_and_stays_finite_when_overloaded() {
        let (n, lambda, handle) = (28, 0.1, 240.0);
        let a = erlang_a(n, lambda, handle, 1e9);
        assert!(close(a.wait_probability, erlang_c(n, 24.0), 1e-4), "{a:?}");
        assert!(
            close(a.mean_queue_time, erlang_c_asa(n, 24.0, handle), 0.01),
            "{a:?}"
        );
        assert!(a.abandonment < 1e-6);
        assert!(close(a.occupancy, 24.0 / 28.0, 1e-4), "{a:?}");
        let impatient = erlang_a(n, lambda, handle, 60.0);
        assert!(impatient.wait_probability < a.wait_probability);
        assert!(impatient.abandonment > 0.0);
        let over = erlang_a(20, lambda, handle, 120.0);
        assert!(over.abandonment > 0.1 && over.abandonment < 1.0, "{over:?}");
        // Served load equals the staff's busy time: λ(1 − P_ab)·h = n·occupancy.
        assert!(close(
            lambda * (1.0 - over.abandonment) * handle,
            20.0 * over.occupancy,
            1e-6
        ));
    }
}
