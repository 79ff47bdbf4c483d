using System;
using System.Collections.Generic;
using StepOperator.Artifacts;
using StepOperator.Azure;
using StepOperator.Components;
using StepOperator.Flavors;

// The flavor this package brings; a program that references it gets it registered when it starts.
[assembly: Flavor(typeof(AzureBlobArtifactStoreFlavor))]

namespace StepOperator.Azure;

/// <summary>The <c>azure</c> artifact store: a container (and prefix) of an Azure storage account (<see cref="AzureBlobArtifactStore"/>).</summary>
public sealed class AzureBlobArtifactStoreFlavor : ArtifactStoreFlavor
{
    public const string FlavorName = "azure";

    public override string Name => FlavorName;

    public override string Package => "StepOperator.Azure";

    public override string Description => "Keeps artifacts in a container of an Azure storage account (Blob Storage, or Azurite).";

    public override IReadOnlyList<FlavorSetting> Settings { get; } = new[]
    {
        new FlavorSetting("Container", "The blob container (created on first use when missing).")
        {
            Required = true,
            Example = "ml-artifacts",
            Check = value => AzureContainerNames.Problem(value) is { } problem ? $"is not a blob container name: {problem}" : null,
        },
        new FlavorSetting("Prefix", "A folder in the container to keep artifacts under.") { Example = "team/project" },
        FlavorSetting.Url("Endpoint", "The account's blob service address (default: https://<account>.blob.core.windows.net)."),
        new FlavorSetting("AccountName", $"The storage account (default: {AzureBlobArtifactStore.AccountVariable}).") { Example = "<account>" },
        new FlavorSetting("AccountKey", $"The account's shared key, base64 as the portal shows it (default: {AzureBlobArtifactStore.KeyVariable}); stored in the user-level file only, shown masked.")
        {
            Example = "<key>",
            Check = value => IsAccountKey(value) ? null : "is not a storage account key (those are base64, as the Azure portal shows them under Access keys)",
        },
    };

    public override bool IsRemote => true;

    public override string? LocationScheme => AzureBlobArtifactStore.Scheme;

    public override string LocationForm => "azblob://container[/prefix][?endpoint=<account url>]";

    public override IArtifactStore Create(ComponentDefinition component, string homeDirectory) => new AzureBlobArtifactStore(new AzureBlobArtifactStoreSettings
    {
        Container = component.Require("Container"),
        Prefix = component.Get("Prefix") ?? string.Empty,
        AccountEndpoint = component.Url("Endpoint"),
        AccountName = component.Get("AccountName") ?? Environment.GetEnvironmentVariable(AzureBlobArtifactStore.AccountVariable) ?? component.Require("AccountName"),
        AccountKey = AccountKey(component),
    });

    public override IArtifactStore Open(StoreLocation location, Func<string, string?> environment) =>
        new AzureBlobArtifactStore(AzureBlobArtifactStoreSettings.FromLocation(location, environment));

    private static bool IsAccountKey(string key) => Convert.TryFromBase64String(key, new byte[key.Length], out _);

    /// <summary>An Azure storage account key: base64, as the portal shows it (a key that is not cannot sign anything).</summary>
    private static string AccountKey(ComponentDefinition component)
    {
        var key = component.Get("AccountKey") ?? Environment.GetEnvironmentVariable(AzureBlobArtifactStore.KeyVariable) ?? component.Require("AccountKey");
        if (!IsAccountKey(key))
        {
            throw new StackConfigurationException(
                $"{component.Describe()}: account_key is not a storage account key (those are base64, as the Azure portal shows them under Access keys). " +
                $"Set it with: {ProgramCommands.Prefix} artifact-store update {component.Name} --account_key=<key>.");
        }

        return key;
    }
}
