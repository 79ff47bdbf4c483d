using System.Globalization;
using StepOperator.Rules;

namespace StepOperator.Runtime.Tests;

/// <summary>
/// The text of every rule's message, case by case, as the runtime prints it for a run-time override: its rule's message
/// format (the one the analyzer's descriptor has) filled with the violation's arguments.
/// </summary>
public class ResourceMessageTests
{
    private sealed record Case(StepResources Resources, string RuleId, string Message);

    private static readonly Case[] Cases =
    [
        new(new(GpuCount: 2), "SOP001",
            "GpuCount = 2 asks for GPUs but no Gpu type is set. Add Gpu = \"A100\" (or another catalog type), or set GpuCount = 0."),
        new(new(Gpu: "A100", GpuCount: 0), "SOP002",
            "GpuCount = 0 with Gpu = \"A100\": the GPU type is ignored and the step runs on CPU only. Set GpuCount = 1 (or more), or remove Gpu."),
        new(new(Memory: "32 gb"), "SOP003",
            "Memory \"32 gb\" is not a size Modal understands: it must be an integer and a unit (case-sensitive). Did you mean \"32GB\" or \"32GiB\"?"),
        new(new(Memory: "0GB"), "SOP003",
            "Memory \"0GB\" is zero; a container needs some memory. Use a size such as \"512MB\" or \"32GB\", or omit Memory for Modal's default."),
        new(new(Memory: "1GB", MemoryLimit: "0GB"), "SOP003",
            "MemoryLimit \"0GB\" is zero; no container runs in no memory. Use a size such as \"512MB\" or \"32GB\", or omit MemoryLimit for no limit."),
        new(new(Memory: "99999999999PiB"), "SOP003",
            "Memory \"99999999999PiB\" is 112589990683136500094 MB, more than the 4294967295 MB Modal can take. Use a smaller size, such as \"32GB\"."),
        new(new(Gpu: "A100_80GB"), "SOP004",
            "GPU type \"A100_80GB\" is not in Modal's catalog as StepOperator knows it; it is sent as \"A100_80GB\" and Modal refuses the sandbox unless it offers that type. Did you mean \"A100-80GB\"?"),
        new(new(Gpu: "a100:2"), "SOP004",
            "GPU type \"a100:2\" is not in Modal's catalog as StepOperator knows it; it is sent as \"A100:2\" and Modal refuses the sandbox unless it offers that type. Write the type in Gpu and the count in GpuCount (Gpu = \"A100\", GpuCount = 2)."),
        new(new(Gpu: "A10", GpuCount: 5), "SOP005",
            "GpuCount = 5 is more than Modal attaches of A10 (at most 4 per container). Use 4 or fewer, or split the work across steps."),
        new(new(GpuCount: -1), "SOP005",
            "GpuCount = -1 is negative. Use 0 for a CPU-only step, or 1 or more with a Gpu type."),
        new(new(CpuCount: 0), "SOP006",
            "CpuCount = 0 must be greater than 0 (at least 0.001, for example 0.5, 1 or 2)."),
        new(new(CpuCount: 1, CpuLimit: -2), "SOP006",
            "CpuLimit = -2 must be greater than 0 (at least 0.001, for example 1, 2 or 4), or omitted for no hard limit."),
        new(new(Timeout: 0), "SOP007",
            "Timeout = 0 seconds is outside Modal's range 1..86400 (24 hours). Use a value in that range, or omit it for the default of 86400."),
        new(new(Cloud: "AWS"), "SOP008",
            "Cloud \"AWS\" is not one Modal schedules on; use one of aws, gcp, oci, auto. Did you mean \"aws\"?"),
        new(new(Region: "us-east-1"), "SOP009",
            "Region is honoured only on Modal's Team and Enterprise plans; on other plans Modal rejects the sandbox. Prefer looser settings (omit Region) unless your workspace has such a plan."),
        new(new(MaxRetries: 11), "SOP010",
            "MaxRetries = 11 is outside 0..10. Use 0 (no retries) up to 10 retries."),
        new(new(RetryDelay: 61), "SOP010",
            "RetryDelay = 61 seconds is outside 0..60. Use a delay in that range, for example 1 or 0.5."),
        new(new(RetryBackoff: 0.5), "SOP010",
            "RetryBackoff = 0.5 is outside 1..10: each delay is the previous one times RetryBackoff. Use 1 for a fixed delay or 2 to double it."),
        new(new(CpuLimit: 4), "SOP011",
            "CpuLimit = 4 has no CpuCount request: Modal takes a CPU limit only with a request. Add CpuCount (at most 4), for example CpuCount = 4."),
        new(new(CpuCount: 2, CpuLimit: 1.5), "SOP011",
            "CpuLimit = 1.5 is below CpuCount = 2: the hard limit cannot be lower than the reservation. Raise CpuLimit to 2 or more, or lower CpuCount to 1.5."),
        new(new(MemoryLimit: "64GB"), "SOP011",
            "MemoryLimit = \"64GB\" has no Memory request: Modal takes a memory limit only with a request. Add Memory (at most the limit), for example Memory = \"64GB\"."),
        new(new(Memory: "32GB", MemoryLimit: "16GiB"), "SOP011",
            "MemoryLimit = \"16GiB\" (17180 MB) is below Memory = \"32GB\" (32000 MB): the hard limit cannot be lower than the reservation. Raise MemoryLimit to \"32GB\" or more, or lower Memory to \"16GiB\"."),
        new(new(Gpu: "a100"), "SOP012",
            "GPU type \"a100\" is Modal's \"A100\": Modal's SDKs upper-case the type, so both work. Write \"A100\" as Modal's catalog spells it."),
    ];

    [Fact]
    public void Every_rule_prints_its_full_message_naming_the_problem_and_the_fix() =>
        Assert.All(Cases, c => Assert.Equal(c.Message, Assert.Single(ResourceRules.Validate(c.Resources), v => v.RuleId == c.RuleId).Message));

    [Fact]
    public void Every_rule_has_a_case_here() =>
        Assert.Equal(
            Enumerable.Range(1, 12).Select(n => "SOP" + n.ToString("000", CultureInfo.InvariantCulture)),
            Cases.Select(c => c.RuleId).Distinct().Order());

    [Fact]
    public void A_violation_carries_the_parts_its_format_is_filled_with() =>
        Assert.All(Cases, c =>
        {
            var violation = Assert.Single(ResourceRules.Validate(c.Resources), v => v.RuleId == c.RuleId);
            Assert.Equal(c.Message, string.Format(CultureInfo.InvariantCulture, ResourceRules.MessageFormats.For(c.RuleId), violation.Arguments.ToArray<object>()));
            Assert.Contains(violation.Arguments, argument => argument.Length > 0);
        });

    [Fact]
    public void Arguments_of_a_memory_size_are_the_setting_the_value_and_the_problem()
    {
        var violation = Assert.Single(ResourceRules.Validate(new StepResources(Memory: "1GB", MemoryLimit: "0GB")));
        Assert.Equal(["MemoryLimit", "0GB", "zero; no container runs in no memory. Use a size such as \"512MB\" or \"32GB\", or omit MemoryLimit for no limit."],
            violation.Arguments);
    }
}
