namespace StepOperator.Fuzz;

/// <summary>
/// A small deterministic generator (SplitMix64), so a seed gives the same variants on every runtime
/// and machine. Each variant draws from its own stream (seed, index), so one variant can be
/// regenerated alone from its seed and index.
/// </summary>
internal sealed class FuzzRandom
{
    private ulong _state;

    public FuzzRandom(ulong seed) => _state = seed;

    /// <summary>The stream of variant <paramref name="index"/> of run <paramref name="seed"/>.</summary>
    public static FuzzRandom ForVariant(int seed, int index) =>
        new(Mix(unchecked(((ulong)(uint)seed << 32) ^ (uint)index ^ 0x5DEECE66DUL)));

    public ulong NextUInt64()
    {
        _state = unchecked(_state + 0x9E3779B97F4A7C15UL);
        return Mix(_state);
    }

    /// <summary>0 ≤ result &lt; <paramref name="count"/>.</summary>
    public int Next(int count)
    {
        if (count <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        return (int)(NextUInt64() % (ulong)count);
    }

    /// <summary><paramref name="min"/> ≤ result ≤ <paramref name="max"/>.</summary>
    public int Between(int min, int max) => (int)(min + (long)(NextUInt64() % (ulong)((long)max - min + 1)));

    public int NextInt32() => unchecked((int)NextUInt64());

    /// <summary>0 ≤ result &lt; 1.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double probability) => NextDouble() < probability;

    public T PickOne<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    public T Pick<T>(params T[] items) => items[Next(items.Length)];

    /// <summary>Picks by weight: (weight, value) pairs.</summary>
    public T Weighted<T>(params (int Weight, T Value)[] choices)
    {
        var total = choices.Sum(c => c.Weight);
        var roll = Next(total);
        foreach (var (weight, value) in choices)
        {
            if (roll < weight)
            {
                return value;
            }

            roll -= weight;
        }

        return choices[^1].Value;
    }

    public void Shuffle<T>(IList<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
