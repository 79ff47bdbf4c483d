using System;
using System.Collections.Generic;

namespace StepOperator.ModalEmulator.Sandboxes;

/// <summary>Modal's GPU types and how many of each one container may have.</summary>
internal static class GpuCatalog
{
    private static readonly Dictionary<string, int> MaxPerContainer = new(StringComparer.OrdinalIgnoreCase)
    {
        ["T4"] = 8,
        ["L4"] = 8,
        ["A10"] = 4,
        ["A10G"] = 4,
        ["L40S"] = 8,
        ["A100"] = 8,
        ["A100-40GB"] = 8,
        ["A100-80GB"] = 8,
        ["RTX-PRO-6000"] = 8,
        ["H100"] = 8,
        ["H100!"] = 8,
        ["H200"] = 8,
        ["B200"] = 8,
        ["B200+"] = 8,
    };

    public static IEnumerable<string> Types => MaxPerContainer.Keys;

    /// <summary>The most GPUs of <paramref name="type"/> per container, or null for a type Modal does not have.</summary>
    public static int? MaxCount(string type) => MaxPerContainer.TryGetValue(type, out var max) ? max : null;
}
