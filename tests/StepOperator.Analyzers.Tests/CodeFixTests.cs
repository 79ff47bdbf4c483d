using StepOperator.CodeFixes;
using MemoryFix = StepOperator.Analyzers.Tests.Verifier<StepOperator.Analyzers.ResourceSettingsAnalyzer, StepOperator.CodeFixes.MemoryCodeFixProvider>;
using SuggestionFix = StepOperator.Analyzers.Tests.Verifier<StepOperator.Analyzers.ResourceSettingsAnalyzer, StepOperator.CodeFixes.SuggestionCodeFixProvider>;
using GpuCountFix = StepOperator.Analyzers.Tests.Verifier<StepOperator.Analyzers.ResourceSettingsAnalyzer, StepOperator.CodeFixes.GpuCountCodeFixProvider>;
using LimitFix = StepOperator.Analyzers.Tests.Verifier<StepOperator.Analyzers.ResourceSettingsAnalyzer, StepOperator.CodeFixes.LimitCodeFixProvider>;

namespace StepOperator.Analyzers.Tests;

public class CodeFixTests
{
    private static string Step(string attribute) => $$"""
        public static class Steps
        {
            {{attribute}}
            public static int Train(int data) => data;
        }
        """;

    [Theory]
    [InlineData("32 gb")]
    [InlineData("32gb")]
    [InlineData("32 GB")]
    [InlineData("32Gb")]
    [InlineData("32G")]
    public async Task SOP003_offers_decimal_and_binary_rewrites(string nearMiss)
    {
        var before = Step($"[ModalStep(Memory = {{|SOP003:\"{nearMiss}\"|}})]");
        await MemoryFix.CodeFixAsync(before, Step("[ModalStep(Memory = \"32GB\")]"), MemoryCodeFixProvider.DecimalKey);
        await MemoryFix.CodeFixAsync(before, Step("[ModalStep(Memory = \"32GiB\")]"), MemoryCodeFixProvider.BinaryKey);
    }

    [Fact]
    public Task SOP003_fractional_size_steps_down_a_unit() =>
        MemoryFix.CodeFixAsync(
            Step("[ModalStep(Memory = {|SOP003:\"1.5GB\"|})]"),
            Step("[ModalStep(Memory = \"1500MB\")]"),
            MemoryCodeFixProvider.DecimalKey);

    [Fact]
    public Task SOP003_no_fix_when_the_intent_is_unreadable() =>
        MemoryFix.CodeFixAsync(
            Step("[ModalStep(Memory = {|SOP003:\"lots\"|})]"),
            Step("[ModalStep(Memory = {|SOP003:\"lots\"|})]"));

    [Fact]
    public Task SOP003_fix_all_rewrites_every_near_miss_the_same_way() =>
        MemoryFix.CodeFixAsync(
            """
            public static class Steps
            {
                [ModalStep(Memory = {|SOP003:"32 gb"|})]
                public static int Train(int data) => data;

                [Step(Memory = {|SOP003:"8g"|})]
                public static int Score(int data) => data;
            }
            """,
            """
            public static class Steps
            {
                [ModalStep(Memory = "32GiB")]
                public static int Train(int data) => data;

                [Step(Memory = "8GiB")]
                public static int Score(int data) => data;
            }
            """,
            MemoryCodeFixProvider.BinaryKey);

    [Theory]
    [InlineData("A100_80GB", "A100-80GB")]
    [InlineData("h-100", "H100")]
    [InlineData("rtx pro 6000", "RTX-PRO-6000")]
    [InlineData("H10", "H100")]
    public Task SOP004_replaces_unknown_gpu_with_the_suggestion(string typo, string fixedName) =>
        SuggestionFix.CodeFixAsync(
            Step($"[ModalStep(Gpu = {{|SOP004:\"{typo}\"|}})]"),
            Step($"[ModalStep(Gpu = \"{fixedName}\")]"));

    [Theory]
    [InlineData("a100", "A100")]
    [InlineData("l40s", "L40S")]
    [InlineData("b200+", "B200+")]
    public Task SOP012_writes_a_known_type_as_Modal_spells_it(string written, string canonical) =>
        SuggestionFix.CodeFixAsync(
            Step($"[ModalStep(Gpu = {{|SOP012:\"{written}\"|}})]"),
            Step($"[ModalStep(Gpu = \"{canonical}\")]"));

    [Fact]
    public Task SOP004_fix_all_in_a_document() =>
        SuggestionFix.CodeFixAsync(
            """
            public static class Steps
            {
                [ModalStep(Gpu = {|SOP004:"a-100"|})]
                public static int Train(int data) => data;

                [ModalStep(Gpu = {|SOP004:"h-100"|}, GpuCount = 2)]
                public static int Tune(int data) => data;
            }
            """,
            """
            public static class Steps
            {
                [ModalStep(Gpu = "A100")]
                public static int Train(int data) => data;

                [ModalStep(Gpu = "H100", GpuCount = 2)]
                public static int Tune(int data) => data;
            }
            """,
            "SOP004");

    [Fact]
    public Task SOP011_raise_memory_limit_to_memory() =>
        LimitFix.CodeFixAsync(
            Step("[ModalStep(Memory = \"32GB\", MemoryLimit = {|SOP011:\"16GB\"|})]"),
            Step("[ModalStep(Memory = \"32GB\", MemoryLimit = \"32GB\")]"),
            LimitCodeFixProvider.RaiseLimitKey);

    [Fact]
    public Task SOP011_lower_memory_to_memory_limit() =>
        LimitFix.CodeFixAsync(
            Step("[Step(Memory = \"32GB\", MemoryLimit = {|SOP011:\"16GiB\"|})]"),
            Step("[Step(Memory = \"16GiB\", MemoryLimit = \"16GiB\")]"),
            LimitCodeFixProvider.LowerRequestKey);

    [Fact]
    public Task SOP011_raise_cpu_limit_to_cpu_count() =>
        LimitFix.CodeFixAsync(
            Step("[ModalStep(CpuCount = 4, Gpu = \"T4\", CpuLimit = {|SOP011:2|})]"),
            Step("[ModalStep(CpuCount = 4, Gpu = \"T4\", CpuLimit = 4)]"),
            LimitCodeFixProvider.RaiseLimitKey);

    [Fact]
    public Task SOP011_adds_the_missing_request_before_its_limit() =>
        LimitFix.CodeFixAsync(
            Step("[ModalStep(Gpu = \"T4\", MemoryLimit = {|SOP011:\"64GB\"|}, CpuLimit = {|SOP011:4|})]"),
            Step("[ModalStep(Gpu = \"T4\", Memory = \"64GB\", MemoryLimit = \"64GB\", CpuCount = 4, CpuLimit = 4)]"),
            LimitCodeFixProvider.AddRequestKey);

    [Fact]
    public Task SOP004_no_fix_without_a_near_name() =>
        SuggestionFix.CodeFixAsync(
            Step("[ModalStep(Gpu = {|SOP004:\"Voodoo5\"|})]"),
            Step("[ModalStep(Gpu = {|SOP004:\"Voodoo5\"|})]"));

    [Fact]
    public Task SOP008_lower_cases_a_known_cloud() =>
        SuggestionFix.CodeFixAsync(
            Step("[ModalStep(Cloud = {|SOP008:{|SOP009:\"AWS\"|}|})]"),
            Step("[ModalStep(Cloud = {|SOP009:\"aws\"|})]"),
            "SOP008");

    [Fact]
    public Task SOP002_set_gpu_count_to_one() =>
        GpuCountFix.CodeFixAsync(
            Step("[ModalStep(Gpu = \"A100\", GpuCount = {|SOP002:0|})]"),
            Step("[ModalStep(Gpu = \"A100\", GpuCount = 1)]"),
            GpuCountCodeFixProvider.SetOneKey);

    [Fact]
    public Task SOP002_remove_gpu() =>
        GpuCountFix.CodeFixAsync(
            Step("[ModalStep(Gpu = \"A100\", GpuCount = {|SOP002:0|}, Memory = \"8GB\")]"),
            Step("[ModalStep(GpuCount = 0, Memory = \"8GB\")]"),
            GpuCountCodeFixProvider.RemoveGpuKey);

    [Fact]
    public Task SOP002_fix_all_removes_gpu_everywhere() =>
        GpuCountFix.CodeFixAsync(
            """
            public static class Steps
            {
                [ModalStep(Gpu = "A100", GpuCount = {|SOP002:0|})]
                public static int Train(int data) => data;

                [ModalStep(GpuCount = {|SOP002:0|}, Gpu = "T4")]
                public static int Tune(int data) => data;
            }
            """,
            """
            public static class Steps
            {
                [ModalStep(GpuCount = 0)]
                public static int Train(int data) => data;

                [ModalStep(GpuCount = 0)]
                public static int Tune(int data) => data;
            }
            """,
            GpuCountCodeFixProvider.RemoveGpuKey);

    [Fact]
    public Task SOP001_set_gpu_count_to_zero() =>
        GpuCountFix.CodeFixAsync(
            Step("[ModalStep(GpuCount = {|SOP001:2|}, Memory = \"8GB\")]"),
            Step("[ModalStep(GpuCount = 0, Memory = \"8GB\")]"),
            GpuCountCodeFixProvider.SetZeroKey);

    [Fact]
    public Task SOP001_fix_all() =>
        GpuCountFix.CodeFixAsync(
            """
            public static class Steps
            {
                [ModalStep(GpuCount = {|SOP001:2|})]
                public static int Train(int data) => data;

                [Step(GpuCount = {|SOP001:1|})]
                public static int Tune(int data) => data;
            }
            """,
            """
            public static class Steps
            {
                [ModalStep(GpuCount = 0)]
                public static int Train(int data) => data;

                [Step(GpuCount = 0)]
                public static int Tune(int data) => data;
            }
            """,
            GpuCountCodeFixProvider.SetZeroKey);
}
