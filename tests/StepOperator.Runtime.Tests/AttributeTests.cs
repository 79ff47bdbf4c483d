using System.Reflection;

namespace StepOperator.Runtime.Tests;

public class AttributeTests
{
    [ModalStep(Gpu = "A100", Memory = "32GB", CpuCount = 2)]
    private static void Omitted() { }

    [ModalStep(Gpu = "A100", GpuCount = 1)]
    private static void One() { }

    private static ModalStepAttribute Of(string method) =>
        typeof(AttributeTests).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!.GetCustomAttribute<ModalStepAttribute>()!;

    [Fact]
    public void Whether_gpu_count_was_written_is_knowable()
    {
        Assert.False(Of(nameof(Omitted)).GpuCountSpecified);
        Assert.True(Of(nameof(One)).GpuCountSpecified);
        Assert.Equal(1, Of(nameof(One)).GpuCount);
    }

    [Fact]
    public void Defaults_match_the_contract()
    {
        var attribute = Of(nameof(Omitted));
        Assert.Equal(86_400, attribute.Timeout);
        Assert.Equal(2.0, attribute.CpuCount);
        Assert.True(attribute.CpuCountSpecified);
        Assert.Null(attribute.Name);
        Assert.Null(attribute.StepOperator);
    }

    [Fact]
    public void ModalStep_has_exactly_the_contract_properties()
    {
        var names = typeof(ModalStepAttribute).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite).Select(p => p.Name).Order();

        // The step's name and step operator, the settings ZenML's Modal step operator takes (resources, placement, timeout,
        // environment), plus the cache switch, the retry policy and the hard limits (CpuLimit, MemoryLimit).
        Assert.Equal(
            new[]
            {
                "Cloud", "CpuCount", "CpuLimit", "EnableCache", "Gpu", "GpuCount", "MaxRetries", "Memory", "MemoryLimit", "ModalEnvironment", "Name", "Region",
                "RetryBackoff", "RetryDelay", "RetryOnException", "StepOperator", "Timeout",
            },
            names);
    }
}
