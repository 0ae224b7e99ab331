import Foundation

/// Quantile functions of the normal and Student t distributions, accurate to far
/// better than the gate needs (≈1e-9 for the normal; the t expansion to ≈1e-4 for
/// df ≥ 3, exact for df 1 and 2).
enum Quantiles {
    /// The standard normal quantile (Acklam's rational approximation).
    static func normal(_ p: Double) -> Double {
        precondition(p > 0 && p < 1)
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low { return -normal(1 - p) }
        let q = p - 0.5
        let r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }

    /// Student's t quantile with `df` degrees of freedom: exact for 1 and 2, else the
    /// Cornish–Fisher expansion around the normal quantile (Abramowitz & Stegun 26.7.5).
    static func t(_ p: Double, df: Int) -> Double {
        precondition(df >= 1)
        switch df {
        case 1: return tan(Double.pi * (p - 0.5))
        case 2: return (2 * p - 1) / (2 * p * (1 - p)).squareRoot()
        default:
            let z = normal(p)
            let n = Double(df)
            let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z
            let g1 = (z3 + z) / 4
            let g2 = (5 * z5 + 16 * z3 + 3 * z) / 96
            let g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384
            let g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160
            return z + g1 / n + g2 / (n * n) + g3 / (n * n * n) + g4 / (n * n * n * n)
        }
    }
}
