using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using StepOperator.CodeFixes;
using Verify = StepOperator.Analyzers.Tests.Verifier<StepOperator.Analyzers.ResourceSettingsAnalyzer, StepOperator.CodeFixes.MemoryCodeFixProvider>;

namespace StepOperator.Analyzers.Tests;

public class ResourceSettingsAnalyzerTests
{
    private static string Steps(string attributes) => $$"""
        public static class Steps
        {
        {{attributes}}
            public static int Train(int data) => data;
        }
        """;

    [Theory]
    [InlineData("[ModalStep(Gpu = \"A100\", Memory = \"32GB\", CpuCount = 2)]")]
    [InlineData("[ModalStep]")]
    [InlineData("[ModalStep()]")]
    [InlineData("[ModalStep(Gpu = \"H100\", GpuCount = 8, Memory = \"32GiB\", Timeout = 86400)]")]
    [InlineData("[ModalStep(Gpu = \"A10\", GpuCount = 4, Timeout = 1, CpuCount = 0.125)]")]
    [InlineData("[ModalStep(Memory = \"32768MB\", ModalEnvironment = \"main\", StepOperator = \"modal\", Name = \"trainer\")]")]
    [InlineData("[ModalStep(GpuCount = 0)]")]
    [InlineData("[ModalStep(Gpu = \"RTX-PRO-6000\", GpuCount = 1)]")]
    [InlineData("[ModalStep(Gpu = \"B200+\")]")]
    [InlineData("[Step(Memory = \"512MiB\", CpuCount = 1)]")]
    [InlineData("[Step(Gpu = \"T4\")]")]
    public Task Valid_settings_report_nothing(string attribute) =>
        Verify.AnalyzerAsync(Steps("    " + attribute));

    [Fact]
    public Task SOP001_gpu_count_without_type_at_the_count() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(GpuCount = {|SOP001:2|})]"));

    [Fact]
    public Task SOP002_type_with_zero_count_is_a_warning_at_the_count() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Gpu = \"A100\", GpuCount = {|#0:0|})]"),
            new DiagnosticResult("SOP002", DiagnosticSeverity.Warning).WithLocation(0));

    [Theory]
    [InlineData("\"32 gb\"")]
    [InlineData("\"32gb\"")]
    [InlineData("\"32 GB\"")]
    [InlineData("\"32Gb\"")]
    [InlineData("\"32G\"")]
    [InlineData("\"32\"")]
    [InlineData("\"\"")]
    [InlineData("\"-1GB\"")]
    [InlineData("\"1.5GB\"")]
    [InlineData("\"32 GB \"")]
    [InlineData("\"99999999999PiB\"")]
    [InlineData("\"32GB\\n\"")] // found by fuzzing: $ matched before the final \n, then the unit "GB\n" threw (AD0001)
    [InlineData("\"99999999999999999999999999999999.5GB\"")] // found by fuzzing: the suggestion overflowed decimal (AD0001)
    [InlineData("\"9999999999999999999.5GB\"")] // found by fuzzing: the suggestion overflowed long (AD0001)
    public Task SOP003_malformed_memory_at_the_literal(string literal) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep(Memory = {{|SOP003:{literal}|}})]"));

    [Fact]
    public Task SOP003_applies_to_Step_too() =>
        Verify.AnalyzerAsync(Steps("    [Step(Memory = {|SOP003:\"32 gb\"|})]"));

    [Fact]
    public Task SOP003_message_names_the_problem_and_the_fix() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Memory = {|#0:\"32 gb\"|})]"),
            Verify.Diagnostic("SOP003").WithLocation(0).WithArguments(
                "Memory \"32 gb\" is not a size Modal understands: it must be an integer and a unit (case-sensitive). Did you mean \"32GB\" or \"32GiB\"?"));

    [Theory]
    [InlineData("\"a100\"")]
    [InlineData("\"A100_80GB\"")]
    [InlineData("\"h-100\"")]
    [InlineData("\"RTX4090\"")]
    [InlineData("\"A100:2\"")]
    public Task SOP004_unknown_gpu_at_the_literal(string literal) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep(Gpu = {{|SOP004:{literal}|}})]"));

    [Fact]
    public Task SOP004_message_suggests_the_nearest_type() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Gpu = {|#0:\"A100_80GB\"|})]"),
            Verify.Diagnostic("SOP004").WithLocation(0).WithArguments("GPU type \"A100_80GB\" is not in Modal's catalog. Did you mean \"A100-80GB\"?"));

    [Theory]
    [InlineData("A10", 5)]
    [InlineData("A10G", 5)]
    [InlineData("A100", 9)]
    [InlineData("H100", 16)]
    public Task SOP005_count_above_the_type_maximum(string gpu, int count) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep(Gpu = \"{gpu}\", GpuCount = {{|SOP005:{count}|}})]"));

    [Fact]
    public Task SOP005_negative_count() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(GpuCount = {|SOP005:-1|})]"));

    [Theory]
    [InlineData("0")]
    [InlineData("-1.5")]
    [InlineData("double.NaN")]
    public Task SOP006_cpu_count_not_positive(string value) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep(CpuCount = {{|SOP006:{value}|}})]"));

    [Theory]
    [InlineData("0")]
    [InlineData("86401")]
    [InlineData("-5")]
    public Task SOP007_timeout_out_of_range(string value) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep(Timeout = {{|SOP007:{value}|}})]"));

    [Theory]
    [InlineData("MaxRetries = {|SOP010:-1|}")]
    [InlineData("MaxRetries = {|SOP010:11|}")]
    [InlineData("RetryDelay = {|SOP010:-0.5|}")]
    [InlineData("RetryDelay = {|SOP010:61|}")]
    [InlineData("RetryDelay = {|SOP010:double.NaN|}")]
    [InlineData("RetryBackoff = {|SOP010:0.5|}")]
    [InlineData("RetryBackoff = {|SOP010:10.5|}")]
    public Task SOP010_retry_policy_out_of_range(string argument) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep({argument})]"));

    [Theory]
    [InlineData("MaxRetries = 0, RetryDelay = 0, RetryBackoff = 1")]
    [InlineData("MaxRetries = 10, RetryDelay = 60, RetryBackoff = 10, RetryOnException = true, EnableCache = false")]
    public Task Retry_policy_at_its_bounds_is_valid(string arguments) =>
        Verify.AnalyzerAsync(Steps($"    [Step({arguments})]"));

    [Fact]
    public Task SOP008_unknown_cloud_also_carries_the_plan_note() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Cloud = {|#0:\"azure\"|})]"),
            Verify.Diagnostic("SOP008").WithLocation(0),
            new DiagnosticResult("SOP009", DiagnosticSeverity.Info).WithLocation(0));

    [Theory]
    [InlineData("Region = {|#0:\"us-east-1\"|}")]
    [InlineData("Cloud = {|#0:\"aws\"|}")]
    public Task SOP009_region_or_cloud_is_an_info(string argument) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep({argument})]"),
            new DiagnosticResult("SOP009", DiagnosticSeverity.Info).WithLocation(0));

    [Fact]
    public Task Several_rules_broken_at_once_each_report_at_their_argument() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Gpu = {|SOP004:\"a100\"|}, Memory = {|SOP003:\"32 gb\"|}, CpuCount = {|SOP006:0|}, Timeout = {|SOP007:0|})]"));

    [Fact]
    public Task SOP003_message_for_a_huge_fraction_suggests_the_exact_smaller_unit() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Memory = {|#0:\"12345678901234567890.5GB\"|})]"),
            Verify.Diagnostic("SOP003").WithLocation(0).WithArguments(
                "Memory \"12345678901234567890.5GB\" is not a size Modal understands: it must be an integer and a unit (case-sensitive). Write an integer followed by one of KB, KiB, MB, MiB, GB, GiB, TB, TiB, PB, PiB, with no space, such as \"32GB\" or \"32GiB\"."));

    [Fact]
    public Task Settings_of_a_local_function_are_checked_too() =>
        Verify.AnalyzerAsync("""
            public static class Steps
            {
                public static void Host()
                {
                    [ModalStep(Memory = {|SOP003:"32 gb"|}, Timeout = {|SOP007:0|})]
                    static int Local(int x) => x;
                    Local(1);
                }
            }
            """);

    [Fact]
    public Task Settings_of_a_lambda_are_checked_too() =>
        Verify.AnalyzerAsync("""
            public static class Steps
            {
                public static Func<int, int> Host() => [ModalStep(Gpu = {|SOP004:"a100"|})] (int x) => x;
            }
            """);

    [Theory]
    [InlineData("[ModalStep(Memory = {|SOP003:\"1\"|})]\n    public static partial int Train(int x);\n    public static partial int Train(int x) => x;")]
    [InlineData("public static partial int Train(int x);\n    [ModalStep(Memory = {|SOP003:\"1\"|})]\n    public static partial int Train(int x) => x;")]
    public Task A_partial_method_is_reported_once(string declarations) =>
        Verify.AnalyzerAsync("public static partial class Steps\n{\n    " + declarations + "\n}");

    [Fact]
    public Task Constants_are_evaluated() =>
        Verify.AnalyzerAsync("""
            public static class Steps
            {
                private const string Big = "32 gb";
                private const int Gpus = 2;

                [ModalStep(Memory = {|SOP003:Big|}, GpuCount = {|SOP001:Gpus|})]
                public static int Train(int data) => data;
            }
            """);
}
