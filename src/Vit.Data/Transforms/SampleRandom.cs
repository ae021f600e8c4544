namespace Vit.Data;

/// <summary>
/// One sample's stream of random numbers: SplitMix64 (Steele, Lea and Flood 2014) from a 64-bit key, so the
/// sequence is fully specified and the same on every .NET and libtorch version. Transforms draw a sample's few
/// parameters from it on the host, then apply whole-tensor operations.
/// </summary>
/// <remarks>Not thread-safe; each stream belongs to one sample of one transform call.</remarks>
public sealed class SampleRandom
{
    private const double Unit = 1.0 / (1UL << 53);
    private SeedSequence _sequence;

    /// <summary>Starts the stream of <paramref name="key"/> from its beginning.</summary>
    /// <param name="key">The stream's key (see <see cref="SampleStreams"/>).</param>
    public SampleRandom(ulong key) => _sequence = new SeedSequence(key);

    /// <summary>Draws 64 random bits.</summary>
    /// <returns>A uniform 64-bit value.</returns>
    public ulong NextUInt64() => _sequence.Next();

    /// <summary>Draws a uniform number in [0, 1) with 53 random bits.</summary>
    /// <returns>The number.</returns>
    public double NextDouble() => (NextUInt64() >> 11) * Unit;

    /// <summary>Draws a uniform number in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    /// <param name="low">Lower bound.</param>
    /// <param name="high">Upper bound.</param>
    /// <returns>The number.</returns>
    public double NextDouble(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>Draws a uniform integer in [0, <paramref name="bound"/>) without modulo bias.</summary>
    /// <param name="bound">Exclusive upper bound, at least 1.</param>
    /// <returns>The integer.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bound"/> is less than 1.</exception>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bound, 1);
        return _sequence.NextInt(bound);
    }

    /// <summary>Draws <see langword="true"/> with probability <paramref name="probability"/> (a uniform below it).</summary>
    /// <param name="probability">The chance of <see langword="true"/>; 0 never, 1 always.</param>
    /// <returns>The outcome.</returns>
    public bool NextBoolean(double probability) => NextDouble() < probability;

    /// <summary>Draws a standard normal number (Box–Muller on two uniforms).</summary>
    /// <returns>The number.</returns>
    public double NextGaussian()
    {
        double u = 1.0 - NextDouble(); // (0, 1]: the logarithm stays finite
        double v = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
    }

    /// <summary>
    /// Draws from Gamma(<paramref name="shape"/>, 1): Marsaglia and Tsang's method (2000), with the
    /// U^(1/shape) boost below shape 1.
    /// </summary>
    /// <param name="shape">The shape, &gt; 0 and finite.</param>
    /// <returns>The number, ≥ 0.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shape"/> is not positive and finite.</exception>
    public double NextGamma(double shape)
    {
        if (!(shape > 0) || double.IsInfinity(shape))
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "The Gamma shape must be positive and finite.");
        }

        if (shape < 1)
        {
            double boost = Math.Pow(1.0 - NextDouble(), 1.0 / shape);
            return NextGamma(shape + 1) * boost;
        }

        double d = shape - (1.0 / 3.0), c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = NextGaussian();
                v = 1.0 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            double u = 1.0 - NextDouble();
            if (Math.Log(u) < (0.5 * x * x) + (d * (1.0 - v + Math.Log(v))))
            {
                return d * v;
            }
        }
    }

    /// <summary>Draws from Beta(<paramref name="alpha"/>, <paramref name="beta"/>) as X / (X + Y) of two Gamma draws.</summary>
    /// <param name="alpha">First shape, &gt; 0.</param>
    /// <param name="beta">Second shape, &gt; 0.</param>
    /// <returns>The number in [0, 1].</returns>
    public double NextBeta(double alpha, double beta)
    {
        double x = NextGamma(alpha);
        double y = NextGamma(beta);
        double sum = x + y;

        // Both draws underflow to 0 only for tiny shapes; the limit is then a fair coin between 0 and 1.
        return sum > 0 ? x / sum : (NextDouble() < alpha / (alpha + beta) ? 1.0 : 0.0);
    }
}
