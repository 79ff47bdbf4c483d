using StepOperator.Rules;

namespace StepOperator.Runtime.Tests;

public class GpuRulesTests
{
    [Theory]
    [InlineData("T4", 8)]
    [InlineData("L4", 8)]
    [InlineData("A10", 4)]
    [InlineData("A10G", 4)]
    [InlineData("L40S", 8)]
    [InlineData("A100", 8)]
    [InlineData("A100-40GB", 8)]
    [InlineData("A100-80GB", 8)]
    [InlineData("RTX-PRO-6000", 8)]
    [InlineData("H100", 8)]
    [InlineData("H100!", 8)]
    [InlineData("H200", 8)]
    [InlineData("B200", 8)]
    [InlineData("B200+", 8)]
    public void Catalog_has_modals_types_and_their_maximum(string name, int max)
    {
        var gpu = GpuCatalog.Find(name);
        Assert.NotNull(gpu);
        Assert.Equal(max, gpu.MaxCount);
    }

    [Fact]
    public void Catalog_has_exactly_the_documented_types() => Assert.Equal(14, GpuCatalog.All.Count);

    [Theory]
    [InlineData("a100", "A100")]
    [InlineData("A100_80GB", "A100-80GB")]
    [InlineData("h-100", "H100")]
    [InlineData("a100 80gb", "A100-80GB")]
    [InlineData("H10", "H100")]
    [InlineData("L40", "L40S")]
    [InlineData("Voodoo5", null)]
    [InlineData("", null)]
    public void Suggests_the_nearest_catalog_name(string typo, string? expected) =>
        Assert.Equal(expected, GpuCatalog.SuggestNearest(typo));

    [Theory]
    [InlineData("A100", null, "A100")]
    [InlineData("A100", 1, "A100:1")]
    [InlineData("A100", 2, "A100:2")]
    [InlineData("H100", 8, "H100:8")]
    [InlineData("A100", 0, null)]
    [InlineData(null, null, null)]
    [InlineData(null, 2, null)]
    public void Gpu_string_sent_to_modal(string? gpu, int? count, string? expected) =>
        Assert.Equal(expected, ResourceRules.ModalGpuString(gpu, count));

    [Theory]
    [InlineData("A100", null, 1)]
    [InlineData("A100", 3, 3)]
    [InlineData("A100", 0, 0)]
    [InlineData(null, null, 0)]
    public void Omitted_count_with_a_type_means_one_gpu(string? gpu, int? count, int expected) =>
        Assert.Equal(expected, ResourceRules.EffectiveGpuCount(gpu, count));

    [Theory]
    [InlineData(2.0, 2000u)]
    [InlineData(0.125, 125u)]
    [InlineData(1.9999, 1999u)]
    public void Cpu_in_thousandths_truncated(double cores, uint expected) =>
        Assert.Equal(expected, ResourceRules.MilliCpu(cores));
}
