import fs from 'node:fs';
import path from 'node:path';
import { AppManifestUtils } from '@microsoft/app-manifest';

const dir = path.join(__dirname, '..', '..', 'appPackage');

describe('Teams app package', () => {
  const raw = fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8');
  // The toolkit fills these at packaging time; any GUID stands in for them here.
  const manifest = JSON.parse(raw.replace('${{TEAMS_APP_ID}}', '11111111-2222-3333-4444-555555555555').replace('${{BOT_ID}}', '66666666-7777-8888-9999-000000000000'));

  it('validates against the Teams manifest schema (offline)', async () => {
    const errors = await AppManifestUtils.validateAgainstSchema(manifest);
    expect(errors).toEqual([]);
  });

  it('asks for the meeting events permission and ships both icons at the sizes Teams requires', () => {
    expect(manifest.authorization.permissions.resourceSpecific).toContainEqual({ name: 'OnlineMeeting.ReadBasic.Chat', type: 'Application' });
    const size = (file: string) => {
      const png = fs.readFileSync(path.join(dir, file));
      return [png.readUInt32BE(16), png.readUInt32BE(20)];
    };
    expect(size(manifest.icons.color)).toEqual([192, 192]);
    expect(size(manifest.icons.outline)).toEqual([32, 32]);
  });
});
