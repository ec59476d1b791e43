import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN, ISO3_PATTERN, IsLocalDate, Omittable } from '../../platform/http/validators.js';
import { OBSTACLES, RESPONSE_GROUPS, type MissionKind, type Obstacle, type ResponseGroup } from '../domain/outreach.events.js';

const ISO3_MESSAGE = 'must be an upper-case ISO 3166-1 alpha-3 code, like NOR';

export class RegisterMissionDto {
  @ApiProperty({ example: 'nor-geneva' }) @IsString() @Matches(ID_PATTERN, { message: `id ${ID_MESSAGE}` }) id!: string;
  @ApiProperty({ example: 'Permanent Mission of Norway in Geneva' }) @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @ApiProperty({ enum: ['resident', 'non-resident'] }) @IsIn(['resident', 'non-resident'], { message: 'kind must be "resident" or "non-resident"' }) kind!: MissionKind;
  @ApiProperty({ example: 'NOR' }) @IsString() @Matches(ISO3_PATTERN, { message: `coordinator ${ISO3_MESSAGE}` }) coordinator!: string;
  @ApiProperty({ example: ['KEN'], type: [String] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(60) @Matches(ISO3_PATTERN, { each: true, message: `each of accreditedTo ${ISO3_MESSAGE}` })
  accreditedTo!: string[];
}

export class LaunchCampaignDto {
  @ApiProperty({ example: 'ccm-2026' }) @IsString() @Matches(ID_PATTERN, { message: `id ${ID_MESSAGE}` }) id!: string;
  @ApiProperty({ example: 'CCM' }) @IsString() @Matches(/^[A-Z][A-Z0-9-]{1,15}$/, { message: 'treaty must be a treaty code such as CCM' }) treaty!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) title!: string;
  @ApiProperty({ example: ['NOR', 'NZL'], type: [String] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @Matches(ISO3_PATTERN, { each: true, message: `each of coordinators ${ISO3_MESSAGE}` })
  coordinators!: string[];
  @ApiProperty({ example: '2026-01-15' }) @IsLocalDate() startsOn!: string;
}

class CountryOutreachDto {
  @ApiProperty() @IsString() @Matches(ID_PATTERN, { message: `campaignId ${ID_MESSAGE}` }) campaignId!: string;
  @ApiProperty() @IsString() @Matches(ID_PATTERN, { message: `missionId ${ID_MESSAGE}` }) missionId!: string;
}

export class DeliverLetterDto extends CountryOutreachDto {
  @ApiProperty({ example: '2026-02-01' }) @IsLocalDate() deliveredOn!: string;
}

/** The names of the people met: confidential, sealed with the mission's key like the notes. */
const Interlocutors = () => (target: object, key: string | symbol) => {
  for (const decorate of [
    ApiPropertyOptional({ type: [String], maxItems: 20, example: ['Director of Legal Affairs'], description: 'names of the people met (each at most 200 characters); stored encrypted' }),
    Omittable(),
    IsArray(),
    ArrayMaxSize(20),
    IsString({ each: true, message: 'each of interlocutors must be a name (text)' }),
    MinLength(1, { each: true, message: 'each of interlocutors must be 1 to 200 characters' }),
    MaxLength(200, { each: true, message: 'each of interlocutors must be 1 to 200 characters' }),
  ]) decorate(target, key);
};

export class HoldMeetingDto extends CountryOutreachDto {
  @ApiProperty({ example: '2026-02-10' }) @IsLocalDate() heldOn!: string;
  @ApiPropertyOptional({ description: 'stored encrypted with the mission\'s key' }) @Omittable() @IsString() @MaxLength(4000) summary?: string;
  @Interlocutors() interlocutors?: string[];
}

export class RecordResponseDto extends CountryOutreachDto {
  @ApiProperty({ example: '2026-02-20' }) @IsLocalDate() receivedOn!: string;
  @ApiProperty({ enum: RESPONSE_GROUPS }) @IsIn(RESPONSE_GROUPS, { message: 'group must be "I", "II" or "III"' }) group!: ResponseGroup;
  @ApiPropertyOptional() @Omittable() @IsBoolean() ratificationUnderWay?: boolean;
  @ApiPropertyOptional() @Omittable() @IsBoolean() wishesToSign?: boolean;
  @ApiPropertyOptional({ enum: OBSTACLES, isArray: true })
  @Omittable() @IsArray() @ArrayMaxSize(OBSTACLES.length) @IsIn(OBSTACLES, { each: true, message: `each obstacle must be one of ${OBSTACLES.join(', ')}` })
  obstacles?: Obstacle[];
  @ApiPropertyOptional({ description: 'stored encrypted with the mission\'s key' }) @Omittable() @IsString() @MaxLength(4000) notes?: string;
  @Interlocutors() interlocutors?: string[];
}
