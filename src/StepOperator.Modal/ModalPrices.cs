using System;
using System.Collections.Generic;
using StepOperator.Modal.Protocol;

namespace StepOperator.Modal;

/// <summary>
/// Modal's published usage prices, in one place: the plan's cost estimate reads nothing else. Modal
/// bills per second for the higher of the reservation and the use (modal.com/docs/guide/resources); the
/// estimate is the hourly rate of the reservation a sandbox is created with (GPUs + milli_cpu + memory_mb,
/// not the limits milli_cpu_max and memory_mb_max), times the region multiplier. Prices change: compare with
/// https://modal.com/pricing and https://modal.com/docs/guide/region-selection, and update the date.
/// </summary>
internal static class ModalPrices
{
    /// <summary>When the figures below were last compared with Modal's pages.</summary>
    public const string CheckedOn = "2026-11-26";

    /// <summary>How a plan's costs are estimated with these prices, as the plan says it.</summary>
    public const string Basis = $"Modal prices of {CheckedOn}, for the reserved CpuCount and Memory: Modal bills the higher of reservation and use";

    /// <summary>US dollars per GPU per second, by catalog name.</summary>
    public static IReadOnlyDictionary<string, decimal> GpuPerSecond { get; } = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase)
    {
        ["B200"] = 0.001736m,
        ["B200+"] = 0.001736m,
        ["H200"] = 0.001261m,
        ["H100"] = 0.001097m,
        ["H100!"] = 0.001097m,
        ["RTX-PRO-6000"] = 0.000842m,
        ["A100-80GB"] = 0.000694m,
        ["A100"] = 0.000583m,
        ["A100-40GB"] = 0.000583m,
        ["L40S"] = 0.000542m,
        ["A10"] = 0.000306m,
        ["A10G"] = 0.000306m,
        ["L4"] = 0.000222m,
        ["T4"] = 0.000164m,
    };

    /// <summary>US dollars per physical CPU core per second (Modal bills at least 0.125 cores).</summary>
    public const decimal CpuCorePerSecond = 0.0000131m;

    /// <summary>The smallest CPU request Modal bills.</summary>
    public const decimal MinimumBilledCores = 0.125m;

    /// <summary>US dollars per GiB of memory per second.</summary>
    public const decimal MemoryGibPerSecond = 0.00000222m;

    /// <summary>Region multipliers: a broad region ("us", "eu") and a narrow one ("us-east-1", "us-west").</summary>
    public const decimal BroadRegionMultiplier = 1.5m;

    public const decimal NarrowRegionMultiplier = 1.75m;

    /// <summary>The multiplier for a region setting: 1 without one, broad without a '-', narrow with one.</summary>
    public static decimal RegionMultiplier(string? region) =>
        string.IsNullOrEmpty(region) ? 1m : region.Contains('-', StringComparison.Ordinal) ? NarrowRegionMultiplier : BroadRegionMultiplier;

    /// <summary>
    /// The hourly cost of a sandbox created with <paramref name="resources"/>; null when its GPU type has no
    /// price here. Without a CPU request Modal's minimum is counted; without a memory request, none.
    /// </summary>
    public static decimal? HourlyCost(Resources resources, string? region)
    {
        decimal perSecond = 0;
        if (resources.GpuConfig is { Count: > 0 } gpu)
        {
            if (!GpuPerSecond.TryGetValue(gpu.GpuType, out var gpuPrice))
            {
                return null;
            }

            perSecond += gpuPrice * gpu.Count;
        }

        var cores = Math.Max(resources.MilliCpu / 1000m, MinimumBilledCores);
        perSecond += cores * CpuCorePerSecond;
        // Modal reads memory_mb as MiB: 1024 of them are the GiB it bills.
        perSecond += resources.MemoryMb / 1024m * MemoryGibPerSecond;
        return Math.Round(perSecond * 3600m * RegionMultiplier(region), 4);
    }
}
