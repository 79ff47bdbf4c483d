using StepOperator.Configuration;
using StepOperator.Docker;
using StepOperator.Modal;
using StepOperator.Modal.Protocol;
using StepOperator.Rules;
using StepOperator.Stacks;

using GenericStatus = StepOperator.Modal.Protocol.GenericResult.Types.GenericStatus;

namespace StepOperator.Runtime.Tests;

/// <summary>Reservations (CpuCount, Memory) and hard limits (CpuLimit, MemoryLimit): the rules, what Modal and Docker get, and how an end reads.</summary>
public class ResourceLimitTests
{
    private static readonly ImageBuildRequest Image = new("/nowhere", "Program.dll", "base:1", Registry: null);

    private static string[] Ids(StepResources resources) =>
        ResourceRules.Validate(resources).Select(v => v.RuleId).ToArray();

    [Theory]
    [InlineData("32GB", "64GB")]
    [InlineData("32GB", "32000MB")]  // equal as sent: 32000 MB both
    [InlineData("1GiB", "1074MB")]   // 1 GiB is 1073.7 MB, sent as 1074
    [InlineData("512MiB", "512MiB")]
    public void A_memory_limit_at_or_above_its_request_is_valid(string memory, string limit) =>
        Assert.Empty(Ids(new StepResources(Memory: memory, MemoryLimit: limit)));

    [Theory]
    [InlineData(2.0, 4.0)]
    [InlineData(2.0, 2.0)]
    [InlineData(2.0009, 2.0001)] // both milli_cpu 2000, compared as Modal's SDKs compute them
    public void A_cpu_limit_at_or_above_its_request_is_valid(double cpu, double limit) =>
        Assert.Empty(Ids(new StepResources(CpuCount: cpu, CpuLimit: limit)));

    [Fact]
    public void A_memory_limit_below_its_request_breaks_SOP011_at_the_limit_and_says_both_fixes()
    {
        var violation = Assert.Single(ResourceRules.Validate(new StepResources(Memory: "32GB", MemoryLimit: "1073MB")));
        Assert.Equal(("SOP011", "MemoryLimit"), (violation.RuleId, violation.Property));
        Assert.Equal(
            "MemoryLimit = \"1073MB\" (1073 MB) is below Memory = \"32GB\" (32000 MB): the hard limit cannot be lower than the reservation. " +
            "Raise MemoryLimit to \"32GB\" or more, or lower Memory to \"1073MB\".", violation.Message);
        Assert.False(ResourceRules.IsAdvisory(violation));
    }

    [Fact]
    public void A_cpu_limit_below_its_request_breaks_SOP011() =>
        Assert.Equal(new[] { "SOP011" }, Ids(new StepResources(CpuCount: 2, CpuLimit: 1.999)));

    [Fact]
    public void A_limit_without_its_request_breaks_SOP011_as_Modals_sdks_refuse_it()
    {
        var violations = ResourceRules.Validate(new StepResources(MemoryLimit: "64GB", CpuLimit: 4));
        Assert.Equal(new[] { ("SOP011", "CpuLimit"), ("SOP011", "MemoryLimit") }, violations.Select(v => (v.RuleId, v.Property)));
        Assert.Contains("MemoryLimit = \"64GB\" has no Memory request", violations[1].Message);
    }

    [Fact]
    public void Malformed_limits_break_the_format_rules_and_name_the_limit()
    {
        var violations = ResourceRules.Validate(new StepResources(CpuCount: 1, CpuLimit: 0, Memory: "1GB", MemoryLimit: "64 gb"));
        Assert.Equal(new[] { ("SOP006", "CpuLimit"), ("SOP003", "MemoryLimit") }, violations.Select(v => (v.RuleId, v.Property)));
        Assert.StartsWith("CpuLimit = 0 must be greater than 0", violations[0].Message);
        Assert.StartsWith("MemoryLimit \"64 gb\" is not a size Modal understands", violations[1].Message);
        Assert.Equal("64GB", violations[1].Suggestion);
        Assert.StartsWith("MemoryLimit \"0GB\" is zero", Assert.Single(ResourceRules.Validate(new StepResources(Memory: "1GB", MemoryLimit: "0GB"))).Message);
    }

    [Fact]
    public void Modal_gets_reservations_and_limits_in_the_same_units_and_the_gpu_type_upper_cased()
    {
        var settings = new StepSettings { CpuCount = 2, CpuLimit = 4.0009, Memory = "32GB", MemoryLimit = "64GiB", Gpu = "a100" };
        var resources = ModalStepOperator.ResourcesFor(settings);

        Assert.Equal((2000u, 4000u), (resources.MilliCpu, resources.MilliCpuMax));
        Assert.Equal((32000u, 68720u), (resources.MemoryMb, resources.MemoryMbMax)); // "64GiB" by the memory_mb rule: 68719.5 MB, rounded up
        Assert.Equal(("A100", 1u), (resources.GpuConfig.GpuType, resources.GpuConfig.Count));
        Assert.Equal("milli_cpu 2000, milli_cpu_max 4000, memory_mb 32000, memory_mb_max 68720, gpu A100:1",
            new ModalStepOperator(new ModalStepOperatorOptions(Image)).DescribeResources(settings));
    }

    [Fact]
    public void Modal_gets_no_limit_fields_when_none_is_written()
    {
        var resources = ModalStepOperator.ResourcesFor(new StepSettings { CpuCount = 2, Memory = "32GB", Gpu = "X900", GpuCount = 16 });
        Assert.Equal((0u, 0u), (resources.MilliCpuMax, resources.MemoryMbMax));
        Assert.Equal(("X900", 16u), (resources.GpuConfig.GpuType, resources.GpuConfig.Count)); // a type newer than the catalog goes as written
        Assert.Equal("milli_cpu 2000, memory_mb 32000, gpu X900:16",
            new ModalStepOperator(new ModalStepOperatorOptions(Image)).DescribeResources(new StepSettings { CpuCount = 2, Memory = "32GB", Gpu = "X900", GpuCount = 16 }));
    }

    [Fact]
    public void The_modal_price_estimate_stays_on_the_reservation()
    {
        var reserved = new StepSettings { CpuCount = 2, Memory = "32GB", Gpu = "A100" };
        var capped = reserved with { CpuLimit = 8, MemoryLimit = "128GB" };
        var modal = new ModalStepOperator(new ModalStepOperatorOptions(Image));
        Assert.Equal(modal.EstimateHourlyCost(reserved), modal.EstimateHourlyCost(capped));
    }

    [Fact]
    public void A_memory_manager_eviction_is_a_backend_failure_that_does_not_blame_the_step()
    {
        var exit = ModalStepOperator.ExitOf(
            new GenericResult { Status = GenericStatus.MemoryManagerEviction, Exitcode = 137, Exception = "worker under pressure" },
            Launch(new StepSettings { Memory = "1GB", MemoryLimit = "2GB" }));

        Assert.Equal(StepExitReason.BackendFailure, exit.Reason);
        Assert.Contains("evicted by Modal's memory manager because its worker was under memory pressure", exit.Detail);
        Assert.Contains("not this step's memory use", exit.Detail);
        Assert.EndsWith(": worker under pressure", exit.Detail);
    }

    [Fact]
    public void A_sandbox_killed_with_a_memory_limit_set_is_out_of_memory_and_without_one_an_exit_code()
    {
        var killed = new GenericResult { Status = GenericStatus.Failure, Exitcode = 137 };
        var limited = ModalStepOperator.ExitOf(killed, Launch(new StepSettings { Memory = "64MB", MemoryLimit = "128MB" }));
        Assert.Equal(StepExitReason.OutOfMemory, limited.Reason);
        Assert.Equal("killed for using more memory than its limit (MemoryLimit = \"128MB\", memory_mb_max 128; exit code 137)", limited.Detail);

        var unlimited = ModalStepOperator.ExitOf(killed, Launch(new StepSettings { Memory = "64MB" }));
        Assert.Equal((StepExitReason.Exited, 137), (unlimited.Reason, unlimited.ExitCode));

        var failed = ModalStepOperator.ExitOf(new GenericResult { Status = GenericStatus.Failure, Exitcode = 1 }, Launch(new StepSettings { Memory = "64MB", MemoryLimit = "128MB" }));
        Assert.Equal((StepExitReason.Exited, 1), (failed.Reason, failed.ExitCode));
    }

    [Fact]
    public void Docker_takes_the_requests_as_reservations_and_the_limits_as_hard_limits()
    {
        var settings = new StepSettings { CpuCount = 0.5, CpuLimit = 2, Memory = "1GB", MemoryLimit = "2GiB" };
        Assert.Equal(new ContainerLimits(512, 2_000_000_000, 1_000_000_000, 2_148_000_000), DockerStepOperator.LimitsFor(settings));
        Assert.Equal("cpu_shares 512, nano_cpus 2000000000, memory_reservation 1000000000 bytes, memory 2148000000 bytes",
            new DockerStepOperator(new DockerStepOperatorOptions(Image)).DescribeResources(settings));

        Assert.Equal(new ContainerLimits(2, null, null, null), DockerStepOperator.LimitsFor(new StepSettings { CpuCount = 0.001 }));
        Assert.Equal("nano_cpus unlimited, memory unlimited", new DockerStepOperator(new DockerStepOperatorOptions(Image)).DescribeResources(new StepSettings()));
    }

    [Fact]
    public void Overrides_set_limits_by_the_same_rules()
    {
        var steps = new[] { new StepDefinition("Train", StepPlacement.Modal, "M.Train", new StepSettings { Memory = "32GB", CpuCount = 2 }) };
        var (settings, problems, warnings) = Apply(StepOverrides.From(
            new Dictionary<string, Dictionary<string, string>> { ["Train"] = new() { ["CpuLimit"] = "4" } },
            new[] { "Train.MemoryLimit=64GB" }), steps);

        Assert.Empty(problems);
        Assert.Empty(warnings);
        Assert.Equal(("64GB", 4.0), (settings["Train"].MemoryLimit, settings["Train"].CpuLimit));

        var (_, belowRequest, _) = Apply(StepOverrides.From(new Dictionary<string, Dictionary<string, string>>(), new[] { "Train.memorylimit=16GB", "Train.CpuLimit=two" }), steps);
        Assert.Equal(new[]
        {
            "Override of step 'Train': CpuLimit = \"two\" is not a number.",
            "Override of step 'Train': MemoryLimit = \"16GB\" (16000 MB) is below Memory = \"32GB\" (32000 MB): the hard limit cannot be lower than the reservation. Raise MemoryLimit to \"32GB\" or more, or lower Memory to \"16GB\". (SOP011)",
        }, belowRequest);
    }

    [Fact]
    public void Overrides_with_a_gpu_type_the_catalog_does_not_know_warn_and_run()
    {
        var steps = new[] { new StepDefinition("Train", StepPlacement.Modal, "M.Train", new StepSettings()) };
        var (settings, problems, warnings) = Apply(StepOverrides.From(new Dictionary<string, Dictionary<string, string>>(), new[] { "Train.Gpu=x900", "Train.GpuCount=16" }), steps);

        Assert.Empty(problems);
        Assert.Equal("Override of step 'Train': GPU type \"x900\" is not in Modal's catalog as StepOperator knows it; it is sent as \"X900\" and Modal refuses the sandbox unless it offers that type. " +
            "Known types: T4, L4, A10, A10G, L40S, A100, A100-40GB, A100-80GB, RTX-PRO-6000, H100, H100!, H200, B200, B200+. (SOP004)", Assert.Single(warnings));
        Assert.Equal("x900", settings["Train"].Gpu);

        var (_, lowerCaseProblems, lowerCaseWarnings) = Apply(StepOverrides.From(new Dictionary<string, Dictionary<string, string>>(), new[] { "Train.Gpu=a100" }), steps);
        Assert.Empty(lowerCaseProblems);
        Assert.Empty(lowerCaseWarnings);
    }

    private static (IReadOnlyDictionary<string, StepSettings> Settings, IReadOnlyList<string> Problems, IReadOnlyList<string> Warnings) Apply(
        StepOverrides overrides, IReadOnlyList<StepDefinition> steps)
    {
        var effective = overrides.Apply(steps);
        return (effective.Settings, effective.Problems, effective.Warnings);
    }

    private static StepLaunch Launch(StepSettings settings) =>
        new(new StepDefinition("Hog", StepPlacement.Modal, "M.Hog", settings), "run-1", "Hog", Array.Empty<string>(), new Dictionary<string, string>(), new NoOutput());

    private sealed class NoOutput : IStepOutputSink
    {
        public void Line(string text, bool isError)
        {
        }
    }
}
