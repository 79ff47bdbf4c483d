using StepOperator.Rules;

namespace StepOperator.Runtime.Tests;

public class ResourceRulesTests
{
    private static string[] Ids(StepResources resources) =>
        ResourceRules.Validate(resources).Select(v => v.RuleId).ToArray();

    [Fact]
    public void The_seed_example_is_valid() =>
        Assert.Empty(Ids(new StepResources(Gpu: "A100", CpuCount: 2, Memory: "32GB")));

    [Fact]
    public void Nothing_written_is_valid() => Assert.Empty(Ids(new StepResources()));

    [Fact]
    public void Count_without_type() => Assert.Equal(new[] { "SOP001" }, Ids(new StepResources(GpuCount: 2)));

    [Fact]
    public void Type_with_zero_count_is_advisory()
    {
        var violation = Assert.Single(ResourceRules.Validate(new StepResources(Gpu: "A100", GpuCount: 0)));
        Assert.Equal("SOP002", violation.RuleId);
        Assert.True(ResourceRules.IsAdvisory(violation));
    }

    [Fact]
    public void Malformed_memory_carries_the_first_correction()
    {
        var violation = Assert.Single(ResourceRules.Validate(new StepResources(Memory: "32 gb")));
        Assert.Equal(("SOP003", "Memory", "32GB"), (violation.RuleId, violation.Property, violation.Suggestion));
    }

    [Fact]
    public void Unknown_gpu_suggests_and_names_the_catalog_when_nothing_is_near()
    {
        var near = Assert.Single(ResourceRules.Validate(new StepResources(Gpu: "h-100")));
        Assert.Equal(("SOP004", "H100"), (near.RuleId, near.Suggestion));

        var far = Assert.Single(ResourceRules.Validate(new StepResources(Gpu: "Voodoo5")));
        Assert.Null(far.Suggestion);
        Assert.Contains("T4, L4, A10", far.Message);
        Assert.Contains("it is sent as \"VOODOO5\"", far.Message);
    }

    [Fact]
    public void A_gpu_type_newer_than_the_catalog_is_a_warning_that_does_not_stop_a_run_and_has_no_count_limit()
    {
        var violation = Assert.Single(ResourceRules.Validate(new StepResources(Gpu: "X900", GpuCount: 16)));
        Assert.Equal("SOP004", violation.RuleId);
        Assert.True(ResourceRules.IsAdvisory(violation));
        Assert.True(ResourceRules.IsWarning(violation));
    }

    [Theory]
    [InlineData("a100", "A100")]
    [InlineData("h100!", "H100!")]
    [InlineData("Rtx-Pro-6000", "RTX-PRO-6000")]
    public void A_known_gpu_type_in_any_case_is_valid_with_a_hidden_spelling_note(string written, string canonical)
    {
        var violation = Assert.Single(ResourceRules.Validate(new StepResources(Gpu: written, GpuCount: 8)));
        Assert.Equal(("SOP012", canonical), (violation.RuleId, violation.Suggestion));
        Assert.True(ResourceRules.IsAdvisory(violation));
        Assert.False(ResourceRules.IsWarning(violation));
        Assert.Equal(canonical, GpuCatalog.Find(written)!.Name);
    }

    [Fact]
    public void The_count_limit_applies_to_a_known_type_in_any_case() =>
        Assert.Equal(new[] { "SOP012", "SOP005" }, Ids(new StepResources(Gpu: "a10g", GpuCount: 5)));

    [Theory]
    [InlineData("A10", 5)]
    [InlineData("A100", 9)]
    [InlineData("A100", -1)]
    [InlineData(null, -1)]
    public void Count_out_of_range(string? gpu, int count) =>
        Assert.Equal(new[] { "SOP005" }, Ids(new StepResources(Gpu: gpu, GpuCount: count)));

    [Theory]
    [InlineData("A10", 4)]
    [InlineData("A100", 8)]
    public void Count_at_the_maximum_is_valid(string gpu, int count) =>
        Assert.Empty(Ids(new StepResources(Gpu: gpu, GpuCount: count)));

    [Theory]
    [InlineData(0.0)]
    [InlineData(-2.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(0.0004)]
    public void Cpu_must_be_positive(double cpu) =>
        Assert.Equal(new[] { "SOP006" }, Ids(new StepResources(CpuCount: cpu)));

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(86_400, false)]
    [InlineData(86_401, true)]
    [InlineData(-1, true)]
    public void Timeout_range(int timeout, bool broken) =>
        Assert.Equal(broken ? new[] { "SOP007" } : Array.Empty<string>(), Ids(new StepResources(Timeout: timeout)));

    [Fact]
    public void Default_timeout_is_a_day() => Assert.Equal(86_400, ResourceRules.DefaultTimeoutSeconds);

    [Theory]
    [InlineData("aws")]
    [InlineData("gcp")]
    [InlineData("oci")]
    [InlineData("auto")]
    public void Known_clouds_only_carry_the_plan_note(string cloud) =>
        Assert.Equal(new[] { "SOP009" }, Ids(new StepResources(Cloud: cloud)));

    [Fact]
    public void Unknown_cloud_suggests_the_lower_case_spelling()
    {
        var violations = ResourceRules.Validate(new StepResources(Cloud: "GCP"));
        Assert.Equal(new[] { "SOP008", "SOP009" }, violations.Select(v => v.RuleId));
        Assert.Equal("gcp", violations[0].Suggestion);
    }

    [Fact]
    public void An_empty_cloud_is_not_set() => Assert.Empty(Ids(new StepResources(Cloud: "")));

    [Fact]
    public void The_smallest_cpu_request_is_a_thousandth_of_a_core() =>
        Assert.Empty(Ids(new StepResources(CpuCount: 0.001)));

    [Fact]
    public void A_count_inside_the_gpu_type_gets_no_one_click_suggestion()
    {
        var violation = Assert.Single(ResourceRules.Validate(new StepResources(Gpu: "A100:2")));
        Assert.Equal("SOP004", violation.RuleId);
        Assert.Null(violation.Suggestion);
        Assert.Contains("GpuCount = 2", violation.Message);
    }

    [Fact]
    public void Region_carries_the_plan_note() =>
        Assert.Equal(new[] { "SOP009" }, Ids(new StepResources(Region: "us-east-1")));

    [Fact]
    public void Settings_as_data_keep_whether_gpu_count_was_written()
    {
        var omitted = new StepSettings { Gpu = "A100" };
        var one = new StepSettings { Gpu = "A100", GpuCount = 1 };
        Assert.Equal("A100", omitted.ModalGpu);
        Assert.Equal("A100:1", one.ModalGpu);
        Assert.NotEqual(omitted, one);
        Assert.Equal(86_400, omitted.EffectiveTimeout);
        Assert.Empty(ResourceRules.Validate(omitted.ToResources()));
    }
}
