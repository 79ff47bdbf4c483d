using System;
using System.Collections.Generic;

namespace StepOperator.Rules;

/// <summary>The known name a mistyped one was most likely meant to be, for "did you mean" hints.</summary>
internal static class NearestName
{
    /// <summary>
    /// The candidate nearest to <paramref name="wanted"/> by edit distance (after <paramref name="normalize"/>), on a tie the
    /// one sharing the longer prefix; null when even the nearest differs in more than a third of the characters.
    /// </summary>
    public static string? Of(string wanted, IEnumerable<string> candidates, Func<string, string> normalize)
    {
        var target = normalize(wanted);
        string? best = null;
        var bestDistance = int.MaxValue;
        var bestPrefix = -1;
        foreach (var name in candidates)
        {
            var candidate = normalize(name);
            var distance = EditDistance(target, candidate);
            var prefix = CommonPrefixLength(target, candidate);
            if (distance < bestDistance || (distance == bestDistance && prefix > bestPrefix))
            {
                bestDistance = distance;
                bestPrefix = prefix;
                best = name;
            }
        }

        var allowed = Math.Max(1, target.Length / 3);
        return bestDistance <= allowed ? best : null;
    }

    private static int CommonPrefixLength(string a, string b)
    {
        var length = 0;
        while (length < a.Length && length < b.Length && a[length] == b[length])
        {
            length++;
        }

        return length;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
