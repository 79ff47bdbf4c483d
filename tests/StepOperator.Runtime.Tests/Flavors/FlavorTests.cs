using StepOperator.Artifacts;
using StepOperator.Components;
using StepOperator.Configuration;
using StepOperator.Docker;
using StepOperator.Flavors;
using StepOperator.Modal;

namespace StepOperator.Runtime.Tests.Flavors;

/// <summary>
/// Each backend is one flavor object: its settings are typed and documented, checked at registration (an unknown one
/// with the nearest it takes, a value that cannot work with the rule, a required one missing), and the command line
/// shows them. A flavor the program does not have is named with the package that brings it.
/// </summary>
public sealed class FlavorTests : IDisposable
{
    private readonly InProcessHost _host = new();

    public void Dispose() => _host.Dispose();

    private bool Saved(string name) => File.Exists(_host.UserFile) && File.ReadAllText(_host.UserFile).Contains($"\"{name}\"", StringComparison.Ordinal);

    [Fact]
    public async Task A_mistyped_setting_is_refused_with_the_setting_it_was_meant_to_be()
    {
        var result = await _host.RunAsync("artifact-store", "register", "store", "--flavor=s3", "--bucket=ml-artifacts", "--endpont=http://127.0.0.1:9000");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--endpont: not a setting that artifact-store flavor 's3' can use. " +
            "It takes: bucket, prefix, endpoint, region, path_style, access_key_id, secret_access_key. Did you mean --endpoint?", result.Error);
        Assert.False(Saved("store"), "nothing is saved");
    }

    [Theory]
    [InlineData("artifact-store", "--flavor=s3", "--bucket=ML_Artifacts", "bucket", "is not an S3 bucket name: 'M' is not allowed")]
    [InlineData("artifact-store", "--flavor=azure", "--container=a", "container", "is not a blob container name")]
    [InlineData("artifact-store", "--flavor=s3", "--bucket=ml-artifacts --path_style=yes", "path_style", "is not true or false")]
    [InlineData("orchestrator", "--flavor=local", "--max_parallel_steps=many", "max_parallel_steps", "is not a whole number of 0 or more")]
    [InlineData("step-operator", "--flavor=docker", "--gpus=maybe", "gpus", "is not a GPU policy")]
    public async Task A_value_that_cannot_work_is_refused_at_registration_with_the_rule(string type, string flavor, string settings, string option, string rule)
    {
        var result = await _host.RunAsync([type, "register", "bad", flavor, .. settings.Split(' ')]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"setting '{option}' is '", result.Error);
        Assert.Contains(rule, result.Error);
        Assert.Contains($"Give --{option}=", result.Error);
        Assert.False(Saved("bad"), "nothing is saved");
    }

    [Fact]
    public async Task A_required_setting_that_is_missing_is_named_with_an_example()
    {
        var result = await _host.RunAsync("artifact-store", "register", "store", "--flavor=s3");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("needs --bucket=ml-artifacts", result.Error);
        Assert.False(Saved("store"));
    }

    [Fact]
    public async Task Register_help_lists_every_flavor_of_the_type_with_each_setting_and_its_meaning()
    {
        var result = await _host.RunAsync("artifact-store", "register", "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var flavor in FlavorCatalog.Of(ComponentType.ArtifactStore))
        {
            Assert.Contains($"artifact-store flavor '{flavor.Name}' (package {flavor.Package})", result.Output);
            foreach (var setting in flavor.Settings)
            {
                Assert.Contains($"--{setting.OptionName}=", result.Output);
            }
        }

        Assert.Contains("--bucket=ml-artifacts (required): The bucket", result.Output);
    }

    [Fact]
    public async Task Flavor_describe_shows_a_flavors_settings_and_the_step_defaults_it_honours()
    {
        var result = await _host.RunAsync("flavor", "describe", "modal");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("step-operator flavor 'modal' (package StepOperator.Modal)", result.Output);
        Assert.Contains("--token_secret=as-...: Modal token secret", result.Output);
        Assert.Contains("--server_url=https://host[:port]", result.Output);
        Assert.Contains("defaults for its steps", result.Output);
        Assert.Contains("--modal_environment", result.Output);
    }

    [Fact]
    public async Task Flavor_list_and_help_name_the_installed_flavors()
    {
        var list = await _host.RunAsync("flavor", "list");
        var help = await _host.RunAsync("--help");

        Assert.Equal(0, list.ExitCode);
        Assert.Contains("step-operator: local, docker, modal", list.Output);
        Assert.Contains("artifact-store: local, s3, azure", list.Output);
        Assert.Contains("Flavors:", help.Output);
        Assert.Contains("  step-operator: local, docker, modal", help.Output);
    }

    [Fact]
    public async Task A_flavor_that_does_not_exist_is_refused_with_the_nearest_one()
    {
        var result = await _host.RunAsync("step-operator", "register", "gpu", "--flavor=modl");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("step-operator flavor 'modl' does not exist. Did you mean 'modal'?", result.Error);
    }

    [Fact]
    public void A_flavor_of_a_package_the_program_lacks_is_named_with_its_package()
    {
        // Every StepOperator backend is installed in this test assembly; a name the catalog knows only by its package
        // stands for one that is not (as in a program that references StepOperator alone).
        Assert.Equal("StepOperator.Modal", FlavorCatalog.PackageOf(ComponentType.StepOperator, "modal"));
        Assert.Null(FlavorCatalog.PackageOf(ComponentType.StepOperator, "local"));
        var message = FlavorCatalog.Missing(ComponentType.ArtifactStore, "gcs");
        Assert.Contains("artifact-store flavor 'gcs' does not exist", message);
        Assert.Contains("Flavors: local, s3, azure", message);
    }

    [Fact]
    public void Registering_a_flavor_twice_does_nothing_and_another_flavor_of_a_taken_name_is_refused()
    {
        var before = FlavorCatalog.All.Count;
        FlavorCatalog.Register(new ModalStepOperatorFlavor());
        Assert.Equal(before, FlavorCatalog.All.Count);

        var error = Assert.Throws<InvalidOperationException>(() => FlavorCatalog.Register(new Impostor()));
        Assert.Contains("has the name of", error.Message);
    }

    [Fact]
    public void The_core_names_no_backend_each_backend_is_one_folder_of_flavors()
    {
        // Every flavor of a backend package is declared by that package, with its own settings and package name.
        foreach (var flavor in FlavorCatalog.All)
        {
            var assembly = flavor.GetType().Assembly.GetName().Name;
            Assert.Equal(assembly == "StepOperator.Runtime" ? FlavorCatalog.CorePackage : assembly, flavor.Package);
            Assert.All(flavor.Settings, setting => Assert.False(string.IsNullOrWhiteSpace(setting.Description), $"{flavor} {setting.Name}"));
        }

        Assert.Contains(FlavorCatalog.All, flavor => flavor is DockerImageBuilderFlavor);
    }

    private sealed class Impostor : ArtifactStoreFlavor
    {
        public override string Name => "s3";

        public override string Description => "Not S3.";

        public override IReadOnlyList<FlavorSetting> Settings => [];

        public override bool IsRemote => true;

        public override string? LocationScheme => "impostor";

        public override string LocationForm => "impostor://";

        public override IArtifactStore Create(ComponentDefinition component, string homeDirectory) => throw new NotSupportedException();

        public override IArtifactStore Open(StoreLocation location, Func<string, string?> environment) => throw new NotSupportedException();
    }
}
