// One source of truth for Modal's GPU catalog. Compiled into the analyzer (netstandard2.0)
// and the runtime (net10.0), so compile time and run time can never disagree.
using System;
using System.Collections.Generic;
using System.Linq;

namespace StepOperator.Rules;

/// <summary>A GPU type Modal can attach to a container, with the most it attaches at once.</summary>
internal sealed record GpuType(string Name, int MaxCount);

/// <summary>Modal's GPU catalog (Modal docs: "GPU acceleration").</summary>
internal static class GpuCatalog
{
    public static IReadOnlyList<GpuType> All { get; } = new[]
    {
        new GpuType("T4", 8),
        new GpuType("L4", 8),
        new GpuType("A10", 4),
        new GpuType("A10G", 4),
        new GpuType("L40S", 8),
        new GpuType("A100", 8),
        new GpuType("A100-40GB", 8),
        new GpuType("A100-80GB", 8),
        new GpuType("RTX-PRO-6000", 8),
        new GpuType("H100", 8),
        new GpuType("H100!", 8),
        new GpuType("H200", 8),
        new GpuType("B200", 8),
        new GpuType("B200+", 8),
    };

    /// <summary>
    /// The GPU type as Modal's SDKs send it: upper-cased ("a100" → "A100"; modal-js <c>parseGpuConfig</c> in
    /// src/app.ts and modal-go <c>parseGPUConfig</c> in app.go upper-case the type before it goes into GPUConfig.gpu_type).
    /// </summary>
    public static string WireName(string name) => name.ToUpperInvariant();

    /// <summary>
    /// Finds the catalog entry Modal would take <paramref name="name"/> for: the name as sent (upper-cased)
    /// equals the catalog's spelling, so "a100" finds "A100"; separators are not forgiven ("A100_80GB" finds nothing).
    /// </summary>
    public static GpuType? Find(string name)
    {
        var wire = WireName(name);
        foreach (var gpu in All)
        {
            if (string.Equals(gpu.Name, wire, StringComparison.Ordinal))
            {
                return gpu;
            }
        }

        return null;
    }

    /// <summary>
    /// The catalog name the user most likely meant, or null when nothing is close.
    /// Case and separator typos map exactly ("a100", "A100_80GB", "h-100"); otherwise the
    /// nearest name by edit distance, when the distance is small for the name's length.
    /// </summary>
    public static string? SuggestNearest(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        var wanted = Normalize(name);
        foreach (var gpu in All)
        {
            if (Normalize(gpu.Name) == wanted)
            {
                return gpu.Name;
            }
        }

        // Nearest by edit distance; on a tie, the name sharing the longer prefix ("H10" → "H100", not "A10").
        return NearestName.Of(name, All.Select(gpu => gpu.Name), Normalize);
    }

    /// <summary>The catalog names, for messages ("T4, L4, A10, ...").</summary>
    public static string NamesForMessage() => string.Join(", ", All.Select(g => g.Name));

    private static string Normalize(string name)
    {
        var chars = name.Trim().ToUpperInvariant().Where(c => c != '-' && c != '_' && c != ' ' && c != '.');
        return new string(chars.ToArray());
    }
}
